//! Everything the browser runs: the islands. Every page is server-rendered HTML and every form
//! posts the way it does without JavaScript (post/redirect/get); these only enhance what is on
//! the page: show/hide on password fields, the live checklist, countdowns, the copy button and
//! the error summary's link to its field. The WASM holds these and nothing else.
//!
//! **Islands take no props.** Leptos sends an island's props as JSON, and the JSON decoder was
//! the largest part of the WASM. Instead:
//! - the server renders an island with what it needs (words in the page's language, ids),
//!   given by its wrapper (beside it, in its own file) as context ([`given`]); in the browser there is none,
//!   and none is needed for what is already on the page: hydration keeps the server's text and
//!   attributes as they are, so no locale's strings are compiled into the WASM;
//! - what the browser does need (a number of seconds, the next wording, a rule) the server
//!   writes into `data-*` attributes of the island's root, which the browser reads before the
//!   island hydrates ([`kept`]: hydration writes an island's `data-*` attributes from what the
//!   browser's code holds, so it must hold the same). Such an island has an id of its own
//!   (one per page).
//!
//! [`when_live`] sets `data-live="true"` on an island's root once it runs (what the browser
//! tests wait for).
//!
//! An island's structure therefore never depends on what it is given: optional parts of a
//! field (its error message) stay outside the island, in plain server HTML.

use leptos::{prelude::*, wasm_bindgen::JsCast, web_sys};

pub mod checklist;
pub mod copy_key;
pub mod field_link;
pub mod resend;
pub mod show_toggle;
pub mod timer;

/// Set while a page renders when it holds an island, so the shell sends the script that wakes
/// them (a page without one loads no WASM at all).
#[derive(Clone, Debug, Default)]
pub struct IslandsUsed(pub std::sync::Arc<std::sync::atomic::AtomicBool>);

impl IslandsUsed {
    /// Whether an island was rendered.
    pub fn any(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// What the script that wakes islands needs from the shell (which provides it).
#[derive(Clone, Debug)]
pub struct ScriptOptions {
    pub options: LeptosOptions,
    /// False on the server's error pages: they send no script.
    pub live: bool,
}

/// The script that wakes islands, when `used` says the part of the page it covers holds one.
pub fn island_script(used: &IslandsUsed) -> impl IntoView {
    use_context::<ScriptOptions>()
        .filter(|s| s.live && used.any())
        .map(|s| {
            view! {
                <AutoReload options=s.options.clone()/>
                <HydrationScripts options=s.options islands=true/>
            }
        })
}

/// Notes that this page holds an island (call it where an island is rendered).
fn uses_island() {
    if let Some(used) = use_context::<IslandsUsed>() {
        used.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Renders an island with what it needs from the server (see `crate::islands`): `given` is
/// context for it alone. Notes that the page needs the script that wakes islands.
pub fn island<T, V>(given: T, render: impl FnOnce() -> V) -> impl IntoView
where
    T: Send + Sync + 'static,
    V: IntoView + 'static,
{
    uses_island();
    let owner = Owner::new();
    let view = owner.with(|| {
        provide_context(given);
        render()
    });
    leptos::tachys::reactive_graph::OwnedView::new_with_owner(view, owner)
}

/// What the server gave this island to render (`Default` in the browser, where the page
/// already shows it: the browser's code does not even look for it).
fn given<T: Clone + Default + Send + Sync + 'static>() -> T {
    #[cfg(feature = "ssr")]
    return use_context::<T>().unwrap_or_default();
    #[cfg(not(feature = "ssr"))]
    T::default()
}

/// Once the island is live in the browser: `start`, then its root gets `data-live`. Never runs on
/// the server. (One effect type for every island, and no node refs: each distinct signal or
/// effect type is code in the WASM.)
fn when_live(start: impl FnOnce() + 'static) -> RwSignal<bool> {
    live_after(Box::new(start))
}

fn live_after(start: Box<dyn FnOnce()>) -> RwSignal<bool> {
    let live = RwSignal::new(false);
    let start = std::cell::Cell::new(Some(start));
    Effect::new(move |_| {
        if let Some(start) = start.take() {
            untrack(start);
            live.set(true);
        }
    });
    live
}

/// `data-live` for an island's root.
fn marker(live: RwSignal<bool>) -> impl Fn() -> Option<&'static str> + Send + Sync + Clone {
    move || live.get().then_some("true")
}

/// The attribute `name` of `el` ("" when it has none).
fn data(el: &web_sys::Element, name: &str) -> String {
    el.get_attribute(name).unwrap_or_default()
}

/// The attribute `name` of the element an event came to ("" when it has none).
fn own(ev: &web_sys::Event, name: &str) -> String {
    let el = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    el.map(|el| data(&el, name)).unwrap_or_default()
}

/// The `data-*` attribute `name` of the island whose root is `id`: on the server `value` (which
/// it writes); in the browser what the page says, read before the island hydrates.
fn kept(id: &str, name: &str, value: impl FnOnce() -> String) -> String {
    // On the server the value is made; in the browser it is read back, and the code that makes
    // it never reaches the WASM.
    if cfg!(feature = "ssr") {
        return value();
    }
    by_id::<web_sys::Element>(id)
        .map(|el| data(&el, name))
        .unwrap_or_default()
}

/// The element with `id`, as `T`.
fn by_id<T: JsCast>(id: &str) -> Option<T> {
    document().get_element_by_id(id)?.dyn_into().ok()
}

/// Counts `left` down by one a second to zero, then calls `at_zero`.
fn count_down(left: RwSignal<u32>, at_zero: impl Fn() + 'static) {
    if left.get_untracked() == 0 {
        return;
    }
    let _ = set_interval_with_handle(
        move || {
            let n = left.get_untracked();
            if n > 0 {
                left.set(n - 1);
                if n == 1 {
                    at_zero();
                }
            }
        },
        std::time::Duration::from_secs(1),
    );
}

/// What a countdown says, for every second: runs of `(from, text)`, where `{n}` in a text stands
/// for the number. The server writes the runs from the page's translations (plural forms
/// included), so the browser needs no plural rules and no locale data.
pub type Runs = Vec<(u32, String)>;

/// The placeholder for the number in [`Runs`].
pub const N: &str = "{n}";

/// The text of `runs` at `n` seconds (`clock`: as minutes and seconds, `1:05`).
pub fn text_at(runs: &[(u32, String)], n: u32, clock: bool) -> String {
    let number = if clock { mm_ss(n) } else { n.to_string() };
    runs.iter()
        .rev()
        .find(|(from, _)| *from <= n)
        .or(runs.first())
        .map(|(_, t)| t.replacen(N, &number, 1))
        .unwrap_or_default()
}

/// [`Runs`] as the page carries them in `data-runs`: a line per run, `from` and its text. A
/// text met before is written `^k`, the k-th distinct text: Polish, Russian or Ukrainian change
/// form every few seconds (2–4 "sekundy", 5–21 "sekund", 22–24 "sekundy" …), with three texts
/// in all.
pub fn runs_to_data(runs: &[(u32, String)]) -> String {
    let mut seen: Vec<&str> = vec![];
    let lines: Vec<String> = runs
        .iter()
        .map(|(n, t)| match seen.iter().position(|s| *s == t) {
            Some(k) => format!("{n} ^{k}"),
            None => {
                seen.push(t);
                format!("{n} {t}")
            }
        })
        .collect();
    lines.join("\n")
}

/// [`Runs`] read back from [`runs_to_data`] (lines that are not a run are skipped).
pub fn runs_from_data(data: &str) -> Runs {
    let mut seen: Vec<String> = vec![];
    data.lines()
        .filter_map(|line| {
            let (n, text) = line.split_once(' ')?;
            let n = n.parse().ok()?;
            let earlier = text.strip_prefix('^').and_then(|k| k.parse::<u32>().ok());
            let text = match earlier {
                Some(k) => seen.get(k as usize)?.clone(),
                None => {
                    seen.push(text.to_string());
                    text.to_string()
                }
            };
            Some((n, text))
        })
        .collect()
}

/// "1:05"-style minutes and seconds.
pub fn mm_ss(seconds: u32) -> String {
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

/// A countdown's texts for every second up to `max`, as [`Runs`]: `text(n)` with the number
/// cut out, one entry where the wording changes (plural forms).
pub fn runs(max: u32, text: impl Fn(u32) -> String) -> Runs {
    let mut runs: Runs = vec![];
    for n in 0..=max.min(MAX_COUNTDOWN) {
        let template = text(n).replacen(&n.to_string(), N, 1);
        if runs.last().map(|(_, t)| t) != Some(&template) {
            runs.push((n, template));
        }
    }
    runs
}

/// Countdowns longer than this show the text of this many seconds until they get there.
pub const MAX_COUNTDOWN: u32 = 3600;

#[cfg(test)]
mod tests {
    use super::*;
    use super::{checklist::*, copy_key::*, field_link::*, resend::*, show_toggle::*, timer::*};
    use crate::policy::Rule;

    #[test]
    fn a_countdown_text_is_found_for_every_second() {
        let runs = vec![
            (0, "Didn't get it?".to_string()),
            (1, "In {n} second.".to_string()),
            (2, "In {n} seconds.".to_string()),
        ];
        assert_eq!(text_at(&runs, 0, false), "Didn't get it?");
        assert_eq!(text_at(&runs, 1, false), "In 1 second.");
        assert_eq!(text_at(&runs, 59, false), "In 59 seconds.");
        let clock = vec![(0, "Time left: {n}".to_string())];
        assert_eq!(text_at(&clock, 65, true), "Time left: 1:05");
        assert_eq!(text_at(&[], 3, false), "");
    }

    /// The server's HTML of an island rendered with `given` (none: as the browser has it).
    #[cfg(feature = "ssr")]
    fn html<T: Send + Sync + 'static, V: IntoView + 'static>(
        given: Option<T>,
        island: impl FnOnce() -> V,
    ) -> String {
        Owner::new().with(|| {
            if let Some(g) = given {
                provide_context(g);
            }
            island().to_html()
        })
    }

    /// Tags and attribute names only: what hydration walks.
    #[cfg(feature = "ssr")]
    fn skeleton(html: &str) -> String {
        let mut out = String::new();
        for tag in html.split('<').skip(1) {
            let tag = tag.split('>').next().unwrap_or("");
            let mut in_quotes = false;
            let mut names = String::new();
            let mut skipping = false;
            for c in tag.chars() {
                match c {
                    '"' => in_quotes = !in_quotes,
                    '=' if !in_quotes => skipping = true,
                    ' ' if !in_quotes => {
                        skipping = false;
                        names.push(' ');
                    }
                    _ if !in_quotes && !skipping => names.push(c),
                    _ => {}
                }
            }
            out.push_str(&format!("<{}>", names.replace("data-component ", "")));
        }
        out
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn islands_render_what_they_are_given_with_the_same_structure_as_without() {
        let resend = ResendText {
            seconds: 42,
            runs: vec![(0, "Ask again".into()), (1, "Wait {n} s".into())],
            label: "Resend".into(),
            action: "/api/reset/resend".into(),
        };
        let timer = TimerText {
            seconds: 65,
            text: "Time left: {n}".into(),
        };
        let toggle = ToggleText {
            input: "password".into(),
            show: "Show".into(),
            hide: "Hide".into(),
            label: " Password".into(),
        };
        let copy = CopyText {
            copy: "Copy".into(),
            copied: "Copied".into(),
        };
        let link = LinkText {
            target: "code".into(),
            text: "Enter the code".into(),
        };
        let cases: Vec<(String, String, &[&str])> = vec![
            (
                html(Some(resend), || view! { <ResendCountdown/> }),
                html(None::<ResendText>, || view! { <ResendCountdown/> }),
                &[
                    "Wait 42 s",
                    "data-seconds=\"42\"",
                    "data-runs=\"0 Ask again\n1 Wait {n} s\"",
                    "action=\"/api/reset/resend\"",
                    ">Resend<",
                ],
            ),
            (
                html(Some(timer), || view! { <StepTimer/> }),
                html(None::<TimerText>, || view! { <StepTimer/> }),
                &[
                    "Time left: 1:05",
                    "data-seconds=\"65\"",
                    "data-text=\"Time left: {n}\"",
                ],
            ),
            (
                html(Some(toggle), || view! { <ShowToggle/> }),
                html(None::<ToggleText>, || view! { <ShowToggle/> }),
                &[
                    "aria-controls=\"password\"",
                    "hidden",
                    ">Show<",
                    "hidden>Hide<",
                    " Password<",
                ],
            ),
            (
                html(Some(copy), || view! { <CopyKey/> }),
                html(None::<CopyText>, || view! { <CopyKey/> }),
                &["data-copied=\"Copied\"", ">Copy<"],
            ),
            (
                html(Some(link), || view! { <FieldLink/> }),
                html(None::<LinkText>, || view! { <FieldLink/> }),
                &["href=\"#code\"", ">Enter the code<"],
            ),
        ];
        for (given, bare, expected) in cases {
            for e in expected {
                assert!(given.contains(e), "{e:?} not in {given}");
            }
            assert!(!given.contains("data-props"), "{given}");
            assert_eq!(skeleton(&given), skeleton(&bare), "{given}\n{bare}");
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn the_checklist_writes_its_rules_for_the_browser() {
        let text = ChecklistText {
            title: "Your password needs".into(),
            rules: vec![
                (Rule::MinLength(8), "8 characters".into()),
                (Rule::Digit, "a number".into()),
            ],
            done: " done".into(),
        };
        let page = html(Some(text), || view! { <PasswordChecklist/> });
        for e in [
            "id=\"password-rules\"",
            "data-rules=\"min:8 digit\"",
            "8 characters",
            "a number",
            "data-met=\"false\"",
        ] {
            assert!(page.contains(e), "{e:?} not in {page}");
        }
        assert_eq!(page.matches("<li").count(), 2, "{page}");
    }

    #[test]
    fn countdown_runs_say_what_the_server_says_in_every_language() {
        use crate::i18n::Locale;
        use crate::text::resend_status;
        use leptos_i18n::Locale as _;
        for &l in Locale::get_all() {
            let runs = runs(180, |n| resend_status(l, n));
            // A few texts, not one per second, each carried once (Polish and Russian switch
            // between them every few seconds).
            let data = runs_to_data(&runs);
            assert!(data.len() <= 900, "{l:?}: {} bytes: {data}", data.len());
            assert!(runs.iter().all(|(_, t)| !t.starts_with('^')), "{l:?}");
            // The page carries them in an attribute, and the browser reads the same back.
            assert_eq!(runs_from_data(&runs_to_data(&runs)), runs, "{l:?}");
            for n in 0..=180 {
                assert_eq!(
                    text_at(&runs, n, false),
                    resend_status(l, n),
                    "{l:?} at {n}"
                );
            }
        }
    }

    #[test]
    fn minutes_and_seconds() {
        assert_eq!(mm_ss(0), "0:00");
        assert_eq!(mm_ss(65), "1:05");
        assert_eq!(mm_ss(180), "3:00");
    }

    #[test]
    fn runs_read_back_from_the_page() {
        let runs = vec![
            (0, "Didn't get it? Ask again.".to_string()),
            (1, "In {n} second".to_string()),
            (2, " with a leading space".to_string()),
        ];
        assert_eq!(runs_from_data(&runs_to_data(&runs)), runs);
        assert_eq!(runs_from_data(""), Runs::new());
        assert_eq!(runs_from_data("x y\n3 z"), vec![(3, "z".to_string())]);
    }
}
