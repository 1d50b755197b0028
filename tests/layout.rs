//! The workspace's layout rules, checked on its own sources: no library crate holds more than 35%
//! of the library's lines, no source file exceeds 450 lines, and no module imports a module that
//! imports it back (inside every crate; Cargo already refuses cycles between crates).
//!
//! A module's imports are the paths it names: `crate::a::b`, `super::x`, and its own children
//! (`child::item`), each resolved to the deepest module that exists. Declaring a child (`mod x;`)
//! is not an import. Comments and docs are ignored.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_SHARE: f64 = 0.35;
const MAX_FILE_LINES: usize = 450;

type ModPath = Vec<String>;

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every module of the crate whose sources are under `src`, by path, with its file.
fn modules(src: &Path) -> BTreeMap<ModPath, PathBuf> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut out = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap().with_extension("");
        let mut path: ModPath = rel
            .iter()
            .map(|c| c.to_string_lossy().into_owned())
            .collect();
        if path.first().is_some_and(|p| p == "bin") {
            continue;
        }
        if matches!(
            path.last().map(String::as_str),
            Some("lib" | "main" | "mod")
        ) {
            path.pop();
        }
        out.insert(path, file);
    }
    out
}

/// The text without `//` comments (docs included) and string literals' contents.
fn code_only(text: &str) -> String {
    text.lines()
        .map(|line| {
            let mut out = String::new();
            let mut in_str = false;
            let mut prev = ' ';
            for (i, c) in line.char_indices() {
                if !in_str && line[i..].starts_with("//") {
                    break;
                }
                if c == '"' && prev != '\\' {
                    in_str = !in_str;
                } else if !in_str {
                    out.push(c);
                }
                prev = c;
            }
            out
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The paths that start at byte `at` of `code`: `a::b::c`, or one per item of a group
/// (`a::{b::c, d}` gives `a::b::c` and `a::d`).
fn paths_at(code: &str, at: usize) -> Vec<Vec<String>> {
    let mut parts = Vec::new();
    let mut i = at;
    loop {
        let rest = &code[i..];
        let len = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        if len == 0 {
            break;
        }
        parts.push(rest[..len].to_string());
        i += len;
        if !code[i..].starts_with("::") {
            return vec![parts];
        }
        i += 2;
    }
    if !code[i..].starts_with('{') {
        return vec![parts];
    }
    // A group: split its items at top-level commas.
    let (mut depth, mut start, mut out) = (0, i + 1, Vec::new());
    for (j, c) in code[i..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' | ',' if depth == 1 => {
                let item = start + code[start..i + j].len() - code[start..i + j].trim_start().len();
                for tail in paths_at(code, item) {
                    out.push(parts.iter().cloned().chain(tail).collect());
                }
                start = i + j + 1;
                if c == '}' {
                    break;
                }
            }
            '}' => depth -= 1,
            _ => {}
        }
    }
    out
}

/// The starts of `word` in `code` as a whole identifier, not preceded by `::` nor by `(` (a
/// visibility such as `pub(crate)` names no module).
fn word_starts<'a>(code: &'a str, word: &'a str) -> impl Iterator<Item = usize> + 'a {
    code.match_indices(word).filter_map(move |(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + word.len()..].chars().next();
        let whole = !before.is_some_and(is_ident) && !after.is_some_and(is_ident);
        let path_start = !code[..i].ends_with("::") && !code[..i].ends_with('(');
        (whole && path_start).then_some(i)
    })
}

/// The byte ranges of inline modules (`mod tests { ... }`), where `super` means one level less.
fn inline_modules(code: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for i in word_starts(code, "mod") {
        let rest = &code[i + 3..];
        let name_len = rest.trim_start().find(|c: char| !is_ident(c)).unwrap_or(0);
        let after = rest.trim_start()[name_len..].trim_start();
        if name_len == 0 || !after.starts_with('{') {
            continue;
        }
        let open = code.len() - after.len();
        let mut depth = 0;
        for (j, c) in code[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        out.push((open, open + j));
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// The children a module declares (`mod x;`, `pub mod x;`, `pub(crate) mod x;`).
fn declared_children(code: &str) -> Vec<String> {
    code.lines()
        .filter_map(|l| {
            let l = l.trim();
            let l = l.strip_suffix(';')?;
            let name = l.rsplit_once("mod ")?.1.trim();
            let head = l.rsplit_once("mod ")?.0.trim();
            let visibility = head.is_empty() || head.starts_with("pub");
            (visibility && name.chars().all(is_ident)).then(|| name.to_string())
        })
        .collect()
}

/// The modules each module of a crate imports (itself excluded).
fn imports(mods: &BTreeMap<ModPath, PathBuf>) -> BTreeMap<ModPath, BTreeSet<ModPath>> {
    let resolve = |mut p: ModPath| {
        while !mods.contains_key(&p) {
            p.pop();
        }
        p
    };
    let mut out = BTreeMap::new();
    for (module, file) in mods {
        let code = code_only(&std::fs::read_to_string(file).unwrap());
        let mut refs = Vec::new();
        for i in word_starts(&code, "crate") {
            refs.extend(paths_at(&code, i).into_iter().map(|p| p[1..].to_vec()));
        }
        let inline = inline_modules(&code);
        for i in word_starts(&code, "super") {
            let nesting = inline.iter().filter(|(a, b)| *a < i && i < *b).count();
            for p in paths_at(&code, i) {
                let ups = p.iter().take_while(|s| *s == "super").count();
                let ups = ups.saturating_sub(nesting);
                let mut base = module.clone();
                base.truncate(base.len().saturating_sub(ups));
                base.extend(p[ups..].iter().cloned());
                refs.push(base);
            }
        }
        for child in declared_children(&code) {
            for i in word_starts(&code, &child) {
                // A path through the child (`child::item`), not its declaration or a method call
                // of the same name.
                if !code[i + child.len()..].starts_with("::") {
                    continue;
                }
                for tail in paths_at(&code, i) {
                    refs.push(module.iter().cloned().chain(tail).collect());
                }
            }
        }
        let targets: BTreeSet<ModPath> = refs
            .into_iter()
            .map(resolve)
            .filter(|t| t != module)
            .collect();
        out.insert(module.clone(), targets);
    }
    out
}

/// Pairs of modules that import each other.
fn mutual_imports(src: &Path) -> Vec<(String, String)> {
    let graph = imports(&modules(src));
    let mut pairs = Vec::new();
    for (a, targets) in &graph {
        for b in targets {
            if a < b && graph[b].contains(a) {
                let name = |p: &ModPath| {
                    if p.is_empty() {
                        "lib".into()
                    } else {
                        p.join("::")
                    }
                };
                pairs.push((name(a), name(b)));
            }
        }
    }
    pairs
}

fn line_count(file: &Path) -> usize {
    std::fs::read_to_string(file).unwrap().lines().count()
}

/// The workspace's crates (`crates/NAME`), with whether each is a library.
fn crates() -> Vec<(String, PathBuf, bool)> {
    let mut out: Vec<_> = std::fs::read_dir(workspace_root().join("crates"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let lib = p.join("src/lib.rs").is_file();
            (name, p.join("src"), lib)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn no_library_crate_holds_more_than_its_share() {
    let sizes: Vec<(String, usize)> = crates()
        .into_iter()
        .filter(|(_, _, lib)| *lib)
        .map(|(name, src, _)| {
            let mut files = Vec::new();
            rust_files(&src, &mut files);
            (name, files.iter().map(|f| line_count(f)).sum())
        })
        .collect();
    assert!(sizes.len() >= 8, "{sizes:?}");
    let total: usize = sizes.iter().map(|(_, n)| n).sum();
    for (name, n) in &sizes {
        let share = *n as f64 / total as f64;
        assert!(
            share <= MAX_SHARE,
            "{name} holds {n} of the library's {total} lines ({:.0}%)",
            share * 100.0
        );
    }
}

#[test]
fn no_source_file_exceeds_the_limit() {
    let mut files = Vec::new();
    for (_, src, _) in crates() {
        rust_files(&src, &mut files);
    }
    rust_files(&workspace_root().join("src"), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter(|f| line_count(f) > MAX_FILE_LINES)
        .map(|f| format!("{} ({} lines)", f.display(), line_count(f)))
        .collect();
    assert!(long.is_empty(), "over {MAX_FILE_LINES} lines: {long:?}");
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    for (name, src, _) in crates() {
        let pairs = mutual_imports(&src);
        assert!(
            pairs.is_empty(),
            "{name}: modules importing each other: {pairs:?}"
        );
    }
}

#[test]
fn the_import_check_finds_a_mutual_import() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    let write = |rel: &str, text: &str| {
        let p = src.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n");
    write("a/mod.rs", "//! uses crate::c::X (a comment)\nmod inner;\nuse inner::Y;\nuse crate::{b::Z, lib_item};\nfn f(x: X) { x.inner(); }\n");
    write("a/inner.rs", "use super::super::c::X;\n");
    write("b.rs", "use super::a::W;\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use super::super::c::X;\n}\n");
    write(
        "c.rs",
        "pub(crate) struct X;\npub(super) const S: &str = \"crate::a\";\n",
    );
    let graph = imports(&modules(src));
    let p = |s: &str| s.split("::").map(String::from).collect::<ModPath>();
    assert_eq!(
        graph[&p("a")],
        [vec![], p("a::inner"), p("b")].into_iter().collect()
    );
    assert_eq!(graph[&p("a::inner")], [p("c")].into_iter().collect());
    assert!(
        graph[&p("c")].is_empty(),
        "strings and comments are not imports"
    );
    assert!(
        graph[&vec![]].is_empty(),
        "declaring a child is not an import"
    );
    assert_eq!(
        mutual_imports(src),
        vec![("a".to_string(), "b".to_string())]
    );
}
