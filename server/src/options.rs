//! Leptos' options for this workspace.

use app::config::Settings;
use leptos::prelude::LeptosOptions;

/// Leptos' options: from the `LEPTOS_*` variables cargo-leptos sets, else defaults that fit
/// this workspace; the listen address always comes from the settings.
pub fn leptos_options(settings: &Settings) -> LeptosOptions {
    let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
    let hash_file = hash_file();
    LeptosOptions::builder()
        .output_name(env("LEPTOS_OUTPUT_NAME", "reset"))
        .site_root(env("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(env("LEPTOS_SITE_PKG_DIR", "pkg"))
        .site_addr(settings.http.listen_addr)
        .hash_files(hash_file.is_some())
        .hash_file(
            hash_file
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|| "hash.txt".into())
                .into(),
        )
        .env(if env("LEPTOS_ENV", "DEV").eq_ignore_ascii_case("PROD") {
            leptos::config::Env::PROD
        } else {
            leptos::config::Env::DEV
        })
        .build()
}

/// The `hash.txt` cargo-leptos writes when it gives the built assets content-hashed names:
/// `LEPTOS_HASH_FILE`, else beside the executable (where cargo-leptos puts it), else one
/// level up (test and example binaries live in `target/<profile>/deps|examples`).
/// Absolute, as Leptos joins it onto the executable's directory.
fn hash_file() -> Option<std::path::PathBuf> {
    if let Ok(p) = std::env::var("LEPTOS_HASH_FILE") {
        let p = std::path::PathBuf::from(p);
        return p.is_file().then(|| std::path::absolute(&p).unwrap_or(p));
    }
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    [dir.join("hash.txt"), dir.parent()?.join("hash.txt")]
        .into_iter()
        .find(|p| p.is_file())
}
