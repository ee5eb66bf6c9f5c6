//! A password field's show/hide toggle.

use leptos::{prelude::*, web_sys};

use super::{by_id, given, island, marker, own, when_live};
use crate::i18n::td_string;

/// What the show/hide toggle of a password field shows.
#[derive(Clone, Debug, Default)]
pub struct ToggleText {
    /// The id of the password input.
    pub input: String,
    /// The toggle's word ("Show").
    pub show: String,
    /// The field's label, read after it by screen readers ("Show Password").
    pub label: String,
}

/// The show/hide toggle of a password field (offered only once live: it needs JavaScript). A
/// toggle button: its name stays, `aria-pressed` says whether the password is shown.
#[island]
pub fn ShowToggle() -> impl IntoView {
    let ToggleText { input, show, label } = given();
    let shown = RwSignal::new(false);
    let live = when_live(|| {});
    let on_click = move |ev: leptos::ev::MouseEvent| {
        shown.update(|s| *s = !*s);
        if let Some(input) = by_id::<web_sys::Element>(&own(&ev, "aria-controls")) {
            let kind = if shown.get_untracked() {
                "text"
            } else {
                "password"
            };
            let _ = input.set_attribute("type", kind);
        }
    };
    view! {
        <button
            type="button"
            class="toggle"
            hidden=move || !live.get()
            aria-pressed=move || if shown.get() { "true" } else { "false" }
            aria-controls=input
            data-live=marker(live)
            on:click=on_click
        >
            {show}
            <span class="visually-hidden">{label}</span>
        </button>
    }
}

/// The toggle of the password input `input` (whose label is `label`), in the page's language.
#[component]
pub fn PasswordToggle(input: &'static str, label: &'static str) -> impl IntoView {
    let toggle = ToggleText {
        input: input.to_string(),
        show: td_string!(crate::text::locale(), form.show).to_string(),
        label: format!(" {label}"),
    };
    island(toggle, || view! { <ShowToggle/> })
}
