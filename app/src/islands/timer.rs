//! The time left on a step.

use leptos::prelude::*;

use super::{count_down, given, island, kept, marker, text_at, when_live, N};
use crate::i18n::td_string;

/// What a step's timer shows.
#[derive(Clone, Debug, Default)]
pub struct TimerText {
    /// Seconds left on the step.
    pub seconds: u32,
    /// The text, `{n}` standing for the time left (`1:05`).
    pub text: String,
}

/// The time left on a step, counted down; when it runs out in an open tab the page loads again
/// and the server says what happened.
#[island]
pub fn StepTimer() -> impl IntoView {
    let TimerText { seconds, text } = given();
    let text = kept(TIMER_ID, "data-text", || text);
    let seconds = kept(TIMER_ID, "data-seconds", || seconds.to_string());
    let left = RwSignal::new(seconds.parse().unwrap_or(0));
    let live = when_live(move || {
        count_down(left, || {
            let _ = window().location().reload();
        })
    });
    let runs = vec![(0, text.clone())];
    view! {
        <p class="timer" id=TIMER_ID aria-live="off" data-seconds=seconds data-text=text
            data-live=marker(live)>
            {move || text_at(&runs, left.get(), true)}
        </p>
    }
}

/// The id of a step's timer (one per page).
pub const TIMER_ID: &str = "time-left";

/// The time left on a step, counted down once live; at zero the page loads again (the server
/// then says what happened).
#[component]
pub fn TimeLeft(seconds: u32) -> impl IntoView {
    let text = td_string!(crate::text::locale(), new_password.time_left, time = N).to_string();
    island(TimerText { seconds, text }, || view! { <StepTimer/> })
}
