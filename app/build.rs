//! Generates the `i18n` module from `locales/*.json` (leptos_i18n): the `Locale` enum and
//! compile-time checked translation keys.

use leptos_i18n_build::{Config, ParseOptions, TranslationsInfos};
use std::{error::Error, path::PathBuf};

/// Every locale the app ships; `en` is the default (and the fallback).
const LOCALES: [&str; 23] = [
    "es", "fr", "de", "pt-BR", "it", "ja", "ko", "zh-Hans", "zh-Hant", "ar", "hi", "nl", "pl",
    "sv", "tr", "ru", "uk", "id", "vi", "th", "he", "da", "nb",
];

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=Cargo.toml");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("i18n");
    let mut cfg = Config::new("en")?;
    for l in LOCALES {
        cfg = cfg.add_locale(l)?;
    }
    // Key coverage is checked by a test (`text::tests`), which fails on any missing key.
    let cfg = cfg.parse_options(
        ParseOptions::default()
            .interpolate_display(true)
            .suppress_key_warnings(true),
    );
    let infos = TranslationsInfos::parse(cfg)?;
    // Errors stop the build; warnings (unused plural forms kept for CJK) are not printed.
    infos.emit_errors();
    infos.rerun_if_locales_changed();
    infos.generate_i18n_module(out)?;
    Ok(())
}
