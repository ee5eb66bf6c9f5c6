//! A password field's show/hide toggle.

use leptos::{prelude::*, web_sys};

use super::{by_id, given, island, marker, own, when_live};
use crate::i18n::td_string;

/// What the show/hide toggle of a password field shows.
#[derive(Clone, Debug, Default)]
pub struct ToggleText {
    /// The id of the password input.
    pub input: String,
    /// The toggle's words: "Show" while the password is hidden, "Hide" while it is shown.
    pub show: String,
    pub hide: String,
    /// The field's label, read after it by screen readers ("Show Password").
    pub label: String,
}

/// The show/hide toggle of a password field (offered only once live: it needs JavaScript). Its
/// word says what a press does ("Show", then "Hide"), for everyone: the hidden word is not
/// part of its name, so a screen reader hears "Show Password" or "Hide Password".
#[island]
pub fn ShowToggle() -> impl IntoView {
    let ToggleText {
        input,
        show,
        hide,
        label,
    } = given();
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
            aria-controls=input
            data-live=marker(live)
            on:click=on_click
        >
            <span hidden=move || shown.get()>{show}</span>
            <span hidden=move || !shown.get()>{hide}</span>
            <span class="visually-hidden">{label}</span>
        </button>
    }
}

/// The toggle of the password input `input` (whose label is `label`), in the page's language.
#[component]
pub fn PasswordToggle(input: &'static str, label: &'static str) -> impl IntoView {
    let l = crate::text::locale();
    let toggle = ToggleText {
        input: input.to_string(),
        show: td_string!(l, form.show).to_string(),
        hide: td_string!(l, form.hide).to_string(),
        label: format!(" {label}"),
    };
    island(toggle, || view! { <ShowToggle/> })
}
