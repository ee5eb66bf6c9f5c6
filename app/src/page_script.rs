//! The plain scripts written into pages (not islands: they need no WASM): every page's form
//! script (`forms.js`: the busy state while a form posts, the new password kept across a failed
//! post) and the passkey button's ceremony (`passkey.js`, in `passkey_button`). Both are sent
//! as written, less their comment lines and indentation, under the response's CSP nonce.

use leptos::{nonce::use_nonce, prelude::*};

use crate::i18n::td_string;

/// `src` as sent: without comment lines, indentation and blank lines.
pub fn minified(src: &str) -> String {
    src.lines()
        .map(str::trim_start)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn forms_script() -> &'static str {
    static SCRIPT: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| minified(include_str!("forms.js")));
    &SCRIPT
}

/// Every page's form script (after its forms), with the busy label in the page's language.
#[component]
pub fn FormScript() -> impl IntoView {
    let busy = td_string!(crate::text::locale(), app.busy);
    view! { <script nonce=use_nonce() data-busy=busy inner_html=forms_script()></script> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_are_sent_without_comments_or_a_closing_tag() {
        let (s, full) = (forms_script(), include_str!("forms.js"));
        assert!(!s.lines().any(|l| l.starts_with("//") || l.starts_with(' ')));
        assert!(!s.to_ascii_lowercase().contains("</script"));
        assert!(
            s.len() < full.len() * 3 / 4,
            "{} of {} bytes",
            s.len(),
            full.len()
        );
        assert!(forms_script().contains("function toPutBack"));
    }
}
