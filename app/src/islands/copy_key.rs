//! The button that copies the authenticator key.

use leptos::{prelude::*, web_sys};

use super::{by_id, given, island, kept, marker, when_live};
use crate::i18n::td_string;

/// What the copy button says.
#[derive(Clone, Debug, Default)]
pub struct CopyText {
    pub copy: String,
    /// After a copy.
    pub copied: String,
}

/// The button that copies the authenticator key shown in `#totp-key` (offered once live).
#[island]
pub fn CopyKey() -> impl IntoView {
    let CopyText { copy, copied } = given();
    let copied = kept(COPY_ID, "data-copied", || copied);
    let after = copied.clone();
    let live = when_live(|| {});
    // What the button says after a copy ("" before).
    let said = RwSignal::new(String::new());
    let on_click = move |_| {
        let key = by_id::<web_sys::Element>("totp-key")
            .and_then(|e| e.text_content())
            .unwrap_or_default();
        let plain: String = key.chars().filter(|c| !c.is_whitespace()).collect();
        #[cfg(feature = "hydrate")]
        let _ = window().navigator().clipboard().write_text(&plain);
        let _ = plain;
        said.set(after.clone());
    };
    let label = move || match said.get() {
        s if s.is_empty() => copy.clone(),
        s => s,
    };
    view! {
        <button type="button" class="secondary" id=COPY_ID hidden=move || !live.get()
            data-copied=copied data-live=marker(live) on:click=on_click>
            {label}
        </button>
    }
}

/// The id of the copy button (one per page).
pub const COPY_ID: &str = "copy-key";

/// The copy button of the key shown in `#totp-key`, in the page's language.
#[component]
pub fn CopyButton() -> impl IntoView {
    let l = crate::text::locale();
    let copy = CopyText {
        copy: td_string!(l, mfa.copy).to_string(),
        copied: td_string!(l, mfa.copied).to_string(),
    };
    island(copy, || view! { <CopyKey/> })
}
