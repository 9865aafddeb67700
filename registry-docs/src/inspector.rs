//! [`HclInspector`]: the core `ModuleInspector` backed by the HCL parser.

use registry_core::parent_dir;
use registry_core::{ModuleFiles, ModuleInspection, ModuleInspector, ModuleSummary};

use crate::model::ModuleModel;
use crate::parse::parse_module_dir;

/// Reads the root module, submodules under `modules/` and examples under
/// `examples/`.
#[derive(Debug, Clone, Copy, Default)]
pub struct HclInspector;

/// Every module directory of a module: the root, `modules/<name>`, `examples/<name>`.
pub fn module_dirs(files: &ModuleFiles) -> (Vec<String>, Vec<String>) {
    let mut submodules = Vec::new();
    let mut examples = Vec::new();
    for dir in files.dirs() {
        let has_config = files
            .in_dir(&dir)
            .any(|(p, _)| registry_core::is_source_file(p));
        if !has_config {
            continue;
        }
        match parent_dir(&dir) {
            "modules" => submodules.push(dir),
            "examples" => examples.push(dir),
            _ => {}
        }
    }
    (submodules, examples)
}

/// Parse every module directory.
pub fn parse_all(files: &ModuleFiles) -> (ModuleModel, Vec<ModuleModel>, Vec<ModuleModel>) {
    let (subs, exs) = module_dirs(files);
    (
        parse_module_dir(files, ""),
        subs.iter().map(|d| parse_module_dir(files, d)).collect(),
        exs.iter().map(|d| parse_module_dir(files, d)).collect(),
    )
}

impl ModuleInspector for HclInspector {
    fn inspect(&self, files: &ModuleFiles) -> ModuleInspection {
        let (root, subs, exs) = parse_all(files);
        let mut diagnostics = root.diagnostics.clone();
        diagnostics.extend(
            subs.iter()
                .chain(&exs)
                .flat_map(|m| m.diagnostics.iter().cloned()),
        );
        ModuleInspection {
            summary: ModuleSummary {
                root: root.interface(),
                submodules: subs.iter().map(ModuleModel::interface).collect(),
                examples: exs.iter().map(ModuleModel::interface).collect(),
            },
            diagnostics,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn submodules_and_examples_are_found_and_diagnostics_collected() {
        let mut f = ModuleFiles::new();
        f.insert("main.tf", "variable \"a\" {}\n");
        f.insert("modules/sub/main.tf", "output \"o\" { value = 1 }\n");
        f.insert("modules/sub/README.md", "sub");
        f.insert(
            "examples/basic/main.tf",
            "module \"m\" {\n source = \"../..\"\n}\n",
        );
        f.insert("examples/broken/main.tf", "module {");
        f.insert("docs/notes.md", "x");
        let i = HclInspector.inspect(&f);
        assert_eq!(i.summary.root.inputs.len(), 1);
        assert_eq!(i.summary.submodules.len(), 1);
        assert_eq!(i.summary.submodules[0].path, "modules/sub");
        assert_eq!(i.summary.submodules[0].readme.as_deref(), Some("sub"));
        assert_eq!(i.summary.examples.len(), 2);
        assert_eq!(i.diagnostics.len(), 1);
        assert_eq!(
            i.diagnostics[0].file.as_deref(),
            Some("examples/broken/main.tf")
        );
    }
}
