//! The shape of the code, enforced: leaves → kernel → flows → shell (`lib.rs`). A flow never
//! names another flow, the kernel never names a flow, and no two top-level modules reach
//! each other, through any chain. The check reads every `.rs` file under `src/`, drops
//! comments and string literals, and follows each `crate::` path (braced groups included) to
//! the top-level module it names. A new top-level module fails the test until it is placed in
//! [`FLOWS`] or [`KERNEL`].
//!
//! `SHAPE_SRC=<dir>` checks another tree (how the test was seen to fail on an older one).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One folder each: the pages and server functions of one thing a user came to do.
const FLOWS: &[&str] = &[
    "account",
    "confirm_sign_up",
    "forgot_username",
    "invitation",
    "mfa",
    "new_password",
    "not_me",
    "reset",
    "security",
    "sign_in",
];

/// What flows stand on: the kernel (`flow`, `session`, `state`, `cognito`, `notify`, …) and
/// the leaves under it (`error`, `paths`, `policy`, …; a leaf names no other module).
const KERNEL: &[&str] = &[
    "audit",
    "branding",
    "clock",
    "cognito",
    "components",
    "config",
    "device",
    "error",
    "error_page",
    "flow",
    "forms",
    "i18n",
    "islands",
    "limits",
    "mailer",
    "metrics",
    "notify",
    "page_script",
    "passkey_button",
    "password",
    "paths",
    "policy",
    "pool",
    "session",
    "state",
    "text",
    "totp",
];

/// Test support: it sets up every layer, so it may name any (and nothing else names it
/// outside tests).
const TEST_SUPPORT: &[&str] = &["testing", "shape"];

/// `src` without comments, and with every string and character literal emptied.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &src[i..];
        if rest.starts_with("//") {
            i += rest.find('\n').unwrap_or(rest.len());
        } else if rest.starts_with("/*") {
            i += rest.find("*/").map(|e| e + 2).unwrap_or(rest.len());
        } else if let Some(len) = raw_string(rest, i > 0 && is_ident(b[i - 1])) {
            out.push_str("\"\"");
            i += len;
        } else if b[i] == b'"' {
            let mut j = i + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            out.push_str("\"\"");
            i = j + 1;
        } else if let Some(len) = char_literal(rest) {
            out.push_str("' '");
            i += len;
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The length of a raw string literal (`r"…"`, `r#"…"#`) at the start of `s`.
fn raw_string(s: &str, after_ident: bool) -> Option<usize> {
    let body = s.strip_prefix('r').filter(|_| !after_ident)?;
    let hashes = body.len() - body.trim_start_matches('#').len();
    let body = body[hashes..].strip_prefix('"')?;
    let end = format!("\"{}", "#".repeat(hashes));
    Some(1 + hashes + 1 + body.find(&end)? + end.len())
}

/// The length of a character literal at the start of `s` (not a lifetime).
fn char_literal(s: &str) -> Option<usize> {
    let body = s.strip_prefix('\'')?;
    let first = body.chars().next()?;
    let len = if first == '\\' {
        body.find('\'').filter(|&e| e > 1)?
    } else {
        first.len_utf8()
    };
    (body[len..].starts_with('\'')).then_some(len + 2)
}

/// The first names of every `crate::` path in `code`: `crate::a::b` gives `a`,
/// `crate::{a::b, c}` gives `a` and `c`. Macros (`crate::name!`) are left out.
fn crate_names(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        if at > 0 && is_ident(code.as_bytes()[at - 1]) {
            continue;
        }
        let rest = code[at + "crate::".len()..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.extend(first_ident(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            names.extend(first_ident(&item));
        } else {
            let name = first_ident(rest);
            let after = &rest[name.as_deref().map_or(0, str::len)..];
            if !after.trim_start().starts_with('!') {
                names.extend(name);
            }
        }
    }
    names
}

fn first_ident(s: &str) -> Option<String> {
    let s = s.trim_start();
    let end = s
        .find(|c: char| !c.is_alphanumeric() && c != '_')
        .unwrap_or(s.len());
    (end > 0).then(|| s[..end].to_string())
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Top-level module → the top-level modules it names (and in which files).
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn graph(src: &Path) -> (Graph, BTreeSet<String>) {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut modules: BTreeSet<String> = BTreeSet::from(["i18n".to_string()]);
    let mut graph = Graph::new();
    for file in &files {
        let rel = file.strip_prefix(src).expect("under src");
        let top = match rel.components().count() {
            1 => rel.file_stem().and_then(|s| s.to_str()).unwrap_or(""),
            _ => rel.iter().next().and_then(|s| s.to_str()).unwrap_or(""),
        }
        .to_string();
        if top == "lib" {
            continue;
        }
        modules.insert(top.clone());
        let code = code_only(&std::fs::read_to_string(file).expect("readable"));
        for name in crate_names(&code) {
            if name != top {
                graph
                    .entry(top.clone())
                    .or_default()
                    .entry(name)
                    .or_default()
                    .insert(rel.display().to_string());
            }
        }
    }
    (graph, modules)
}

/// What breaks the shape, one line each.
fn violations(src: &Path) -> Vec<String> {
    let (graph, modules) = graph(src);
    let mut found = Vec::new();
    let flow = |m: &str| FLOWS.contains(&m);
    for m in &modules {
        if !flow(m) && !KERNEL.contains(&m.as_str()) && !TEST_SUPPORT.contains(&m.as_str()) {
            found.push(format!(
                "{m}: a new top-level module; add it to FLOWS or KERNEL in shape.rs"
            ));
        }
    }
    for (from, names) in &graph {
        for (to, files) in names {
            let files: Vec<&str> = files.iter().map(String::as_str).collect();
            let files = files.join(", ");
            if !modules.contains(to) {
                if !TEST_SUPPORT.contains(&from.as_str()) {
                    found.push(format!(
                        "{from} names `crate::{to}`, which is the shell (lib.rs) ({files})"
                    ));
                }
            } else if TEST_SUPPORT.contains(&to.as_str()) || TEST_SUPPORT.contains(&from.as_str()) {
                // Tests may use their support; it sets up any layer.
            } else if flow(from) && flow(to) {
                found.push(format!("flow {from} names flow {to} ({files})"));
            } else if !flow(from) && flow(to) {
                found.push(format!("kernel {from} names flow {to} ({files})"));
            }
        }
    }
    found.extend(cycles(&graph, &modules));
    found
}

/// Every circle among the top-level modules (test support left out), as `a → b → a`.
fn cycles(graph: &Graph, modules: &BTreeSet<String>) -> Vec<String> {
    let edges = |m: &str| -> Vec<String> {
        graph
            .get(m)
            .map(|n| {
                n.keys()
                    .filter(|t| modules.contains(*t) && !TEST_SUPPORT.contains(&t.as_str()))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut found = BTreeSet::new();
    for start in modules
        .iter()
        .filter(|m| !TEST_SUPPORT.contains(&m.as_str()))
    {
        // The shortest way back to `start`, breadth first.
        let mut came_from: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start.clone()]);
        'search: while let Some(m) = queue.pop_front() {
            for next in edges(&m) {
                if &next == start {
                    let mut path = vec![m.clone()];
                    let mut at = m.clone();
                    while &at != start {
                        at = came_from[&at].clone();
                        path.push(at.clone());
                    }
                    path.reverse();
                    path.push(start.clone());
                    // One line per circle, however it is entered.
                    let mut key: Vec<String> = path[1..].to_vec();
                    key.sort();
                    found.insert((key, path.join(" → ")));
                    break 'search;
                }
                if !came_from.contains_key(&next) {
                    came_from.insert(next.clone(), m.clone());
                    queue.push_back(next);
                }
            }
        }
    }
    let mut lines: Vec<String> = Vec::new();
    let mut seen = BTreeSet::new();
    for (key, line) in found {
        if seen.insert(key) {
            lines.push(format!("circle: {line}"));
        }
    }
    lines
}

#[test]
fn flows_stand_on_the_kernel_and_no_two_modules_reach_each_other() {
    let src = std::env::var_os("SHAPE_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let found = violations(&src);
    assert!(
        found.is_empty(),
        "the shape of {} is broken:\n{}",
        src.display(),
        found.join("\n")
    );
}

#[test]
fn the_reader_sees_code_not_comments_or_strings() {
    let code = code_only(
        "use crate::{a::b, c};\n// crate::commented\nlet s = \"crate::quoted\";\n\
         let r = r#\"crate::raw\"#; let c = '\"'; fn f<'x>() {}\n\
         crate::d::e(); crate::mac!(x); /* crate::block */ other_crate::f();",
    );
    assert_eq!(crate_names(&code), ["a", "c", "d"]);
}

#[test]
fn a_circle_through_three_modules_is_found() {
    let mut graph = Graph::new();
    for (a, b) in [("x", "y"), ("y", "z"), ("z", "x")] {
        graph
            .entry(a.into())
            .or_default()
            .insert(b.into(), BTreeSet::new());
    }
    let modules = ["x", "y", "z"].map(String::from).into();
    assert_eq!(cycles(&graph, &modules), ["circle: x → y → z → x"]);
}
