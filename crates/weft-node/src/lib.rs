//! Node-API bindings for weft-core. This crate converts values and maps errors; the logic
//! lives in weft-core. One module per concept.
#![deny(unsafe_op_in_unsafe_fn)]
// napi-derive registers exports only outside `cfg(test)`, so the test build sees them unused.
#![cfg_attr(test, allow(dead_code))]

mod args;
mod channel;
mod compute;
mod context;
mod diagnostics;
mod errors;
mod handle;
mod notifier;
mod outcome;
mod pool;
mod rate;
mod raw;
mod registry;
mod slot;
mod sync;
mod value;
mod wait;
mod wire;

/// At load: the panic hook that keeps caught panics off stderr (errors.rs).
#[napi_derive::module_init]
fn init() {
    errors::install_panic_hook();
}

/// The binding's modules form a DAG: each imports only modules below it.
#[cfg(test)]
mod layering {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    /// Top-level module -> the top-level modules it names as `crate::<module>`.
    fn imports() -> BTreeMap<String, BTreeSet<String>> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut dirs = vec![src.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                let rel = path
                    .strip_prefix(&src)
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                let module = rel.split(['/', '.']).next().unwrap().to_string();
                let text = std::fs::read_to_string(&path).unwrap();
                let names = graph.entry(module.clone()).or_default();
                for (at, _) in text.match_indices("crate::") {
                    let name: String = text[at + 7..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if name != module && !name.is_empty() {
                        names.insert(name);
                    }
                }
                // `use crate::{a, b}` form.
                for (at, _) in text.match_indices("use crate::{") {
                    let list = &text[at + 12..at + 12 + text[at + 12..].find('}').unwrap()];
                    for name in list
                        .split(',')
                        .map(|n| n.trim().split("::").next().unwrap())
                    {
                        if name != module && !name.is_empty() {
                            names.insert(name.to_string());
                        }
                    }
                }
            }
        }
        graph
    }

    /// A cycle through `at`, if any (depth-first).
    fn cycle(
        graph: &BTreeMap<String, BTreeSet<String>>,
        at: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|m| m == at) {
            let mut found = path[i..].to_vec();
            found.push(at.to_string());
            return Some(found);
        }
        if !done.insert(at.to_string()) {
            return None;
        }
        path.push(at.to_string());
        for next in graph.get(at).into_iter().flatten() {
            if let Some(found) = cycle(graph, next, path, done) {
                return Some(found);
            }
        }
        path.pop();
        None
    }

    #[test]
    fn no_module_imports_one_that_imports_it_back() {
        let graph = imports();
        assert!(
            graph.len() > 15,
            "found only {:?}: is the scan broken?",
            graph.keys()
        );
        assert!(graph["channel"].contains("wait"), "the scan misses imports");
        for module in graph.keys() {
            let found = cycle(&graph, module, &mut Vec::new(), &mut BTreeSet::new());
            assert!(
                found.is_none(),
                "import cycle: {}",
                found.unwrap().join(" -> ")
            );
        }
    }
}
