//! The error summary's link to its field.

use leptos::{prelude::*, web_sys};

use super::{by_id, given, island, marker, own, when_live};
use crate::error::Field;

/// What the error summary's link says and where it goes.
#[derive(Clone, Debug, Default)]
pub struct LinkText {
    /// The id of the field.
    pub target: String,
    pub text: String,
}

/// The error summary's link to the field it is about: following it focuses the field (a plain
/// link only scrolls to it).
#[island]
pub fn FieldLink() -> impl IntoView {
    let LinkText { target, text } = given();
    let live = when_live(|| {});
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let href = own(&ev, "href");
        if let Some(el) = by_id::<web_sys::HtmlElement>(href.trim_start_matches('#')) {
            ev.prevent_default();
            let _ = el.focus();
        }
    };
    view! { <a href=format!("#{target}") data-live=marker(live) on:click=on_click>{text}</a> }
}

/// A link saying `text` that focuses the input of `field`.
pub fn field_link(field: Field, text: String) -> impl IntoView {
    let link = LinkText {
        target: field.input_id().to_string(),
        text,
    };
    island(link, || view! { <FieldLink/> })
}
