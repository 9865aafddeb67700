//! `mockall` mocks of the four core traits, for unit tests of code that
//! takes them as trait objects (`Arc<dyn ModuleStorage>`, ...). Set
//! expectations with the generated `expect_*` methods; trait methods with a
//! default body that are not listed here (`get_record_shared`,
//! `version_numbers`, `namespace_usage`, `flush`, `forget`, `gc`) keep that
//! default, built on the mocked ones.
//!
//! ```
//! use registry_core::{Error, ModuleStorage};
//! use registry_testkit::mocks::MockStorage;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let mut storage = MockStorage::new();
//! storage
//!     .expect_get_record()
//!     .returning(|id| Err(Error::not_found(format!("{id} is not here"))));
//! let id = "acme/vpc/aws/1.0.0".parse().unwrap();
//! let e = storage.get_record(&id).await.unwrap_err();
//! assert_eq!(e.kind(), registry_core::ErrorKind::NotFound);
//! # }
//! ```
#![allow(missing_docs)] // the generated expectation types document themselves

use std::sync::Arc;

use chrono::{DateTime, Utc};
use registry_core::{
    ApiDoc, DocGenerator, Documentation, Example, Filter, LifecycleChange, LockEntry, Module,
    ModuleAddress, ModuleId, ModuleRecord, ModuleStorage, Page, ProviderMock, ReportFormat, Result,
    TestOptions, TestResult, TestRunner, Version, VersionManager,
};

mockall::mock! {
    /// A mock [`ModuleStorage`].
    pub Storage {}

    #[async_trait::async_trait]
    impl ModuleStorage for Storage {
        async fn store(&self, module: &Module) -> Result<ModuleRecord>;
        async fn get(&self, id: &ModuleId) -> Result<Module>;
        async fn get_record(&self, id: &ModuleId) -> Result<ModuleRecord>;
        async fn list(&self, filter: &Filter) -> Result<Page<ModuleRecord>>;
        async fn versions(&self, address: &ModuleAddress) -> Result<Arc<Vec<ModuleRecord>>>;
        async fn list_modules(&self, filter: &Filter) -> Result<Page<ModuleAddress>>;
        async fn delete(&self, id: &ModuleId) -> Result<()>;
        async fn change_lifecycle(
            &self,
            id: &ModuleId,
            change: &LifecycleChange,
            now: DateTime<Utc>,
        ) -> Result<ModuleRecord>;
        async fn record_download(&self, id: &ModuleId) -> Result<()>;
    }
}

mockall::mock! {
    /// A mock [`VersionManager`].
    pub Versions {}

    #[async_trait::async_trait]
    impl VersionManager for Versions {
        fn parse(&self, version: &str) -> Result<Version>;
        fn resolve(&self, constraint: &str, available: &[Version]) -> Result<Version>;
        async fn lock(&self, module: &Module) -> Result<LockEntry>;
        async fn verify(&self, module: &Module) -> Result<()>;
    }
}

mockall::mock! {
    /// A mock [`TestRunner`].
    pub Tests {}

    #[async_trait::async_trait]
    impl TestRunner for Tests {
        async fn run(&self, module: &Module, options: &TestOptions) -> Result<TestResult>;
        fn mock(&self, provider: &str) -> Result<Arc<dyn ProviderMock>>;
        fn report(&self, result: &TestResult, format: ReportFormat) -> Result<String>;
    }
}

mockall::mock! {
    /// A mock [`DocGenerator`].
    pub Docs {}

    #[async_trait::async_trait]
    impl DocGenerator for Docs {
        async fn generate(&self, module: &Module) -> Result<Documentation>;
        async fn generate_api(&self, module: &Module) -> Result<ApiDoc>;
        async fn generate_examples(&self, module: &Module) -> Result<Vec<Example>>;
    }
}

macro_rules! debug_by_name {
    ($($t:ident),*) => {$(
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(stringify!($t))
            }
        }
    )*};
}

debug_by_name!(MockStorage, MockVersions, MockTests, MockDocs);
