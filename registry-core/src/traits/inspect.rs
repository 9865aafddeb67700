//! Reading a module's files into a summary (implemented by registry-docs).

use std::fmt::Debug;

use crate::archive::{ModuleFiles, parent_dir};
use crate::error::Problem;
use crate::module::{ModuleInterface, ModuleSummary};

/// The summary of a module and the problems found reading it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModuleInspection {
    /// Inputs, outputs, providers, dependencies, submodules, examples.
    pub summary: ModuleSummary,
    /// Files that could not be read, with positions. The summary still covers
    /// everything else.
    pub diagnostics: Vec<Problem>,
}

/// Reads a module's configuration files into a [`ModuleSummary`].
///
/// `registry-docs` implements this with a real HCL parser. CPU-bound: the
/// registry calls it on a blocking thread.
pub trait ModuleInspector: Send + Sync + Debug + 'static {
    /// Summarise the module. Never fails: unreadable files become diagnostics.
    fn inspect(&self, files: &ModuleFiles) -> ModuleInspection;
}

/// An inspector that parses nothing: it records the module's directories and
/// READMEs only. For embedders that bring no HCL parser; the registry built
/// by `registry-server` uses registry-docs' parser instead.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileListInspector;

fn readme(files: &ModuleFiles, dir: &str) -> Option<String> {
    files
        .in_dir(dir)
        .find(|(p, _)| {
            let name = p.rsplit('/').next().unwrap_or(p).to_ascii_lowercase();
            name == "readme.md" || name == "readme"
        })
        .and_then(|(_, b)| String::from_utf8(b.to_vec()).ok())
}

impl ModuleInspector for FileListInspector {
    fn inspect(&self, files: &ModuleFiles) -> ModuleInspection {
        let mut summary = ModuleSummary {
            root: ModuleInterface {
                readme: readme(files, ""),
                ..Default::default()
            },
            ..Default::default()
        };
        for dir in files.dirs() {
            let iface = || ModuleInterface {
                path: dir.clone(),
                readme: readme(files, &dir),
                ..Default::default()
            };
            let is_module_dir = files
                .in_dir(&dir)
                .any(|(p, _)| crate::archive::is_source_file(p));
            if !is_module_dir {
                continue;
            }
            if parent_dir(&dir) == "modules" {
                summary.submodules.push(iface());
            } else if parent_dir(&dir) == "examples" {
                summary.examples.push(iface());
            }
        }
        ModuleInspection {
            summary,
            diagnostics: Vec::new(),
        }
    }
}
