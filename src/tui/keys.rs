//! Key bindings: ONE table of (keys, action, help text). `update` looks keys up here, the
//! help screen lists the table and the footer draws its hints from it, so the three cannot
//! disagree. Modal input (the filter being typed, the probe form, the help and error
//! overlays) is handled where it is typed, not here.

use super::model::{Pane, Screen};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key does in the normal mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Probe,
    Filter,
    Pause,
    Follow,
    Sort,
    Show(Screen),
    NextMatch,
    PrevMatch,
    /// Move in the focused pane: lines, pages, half pages, ends.
    Move(Step),
    NextPane,
    PrevPane,
    /// Open what is selected: client → timeline → detail; a server's clients; a finding's frame.
    Open,
    /// Back a pane (from a table: to the clients).
    Back,
    /// Back, and on the list, clear the filter.
    Escape,
    /// Write the selected client's frames to a pcap file named in a prompt.
    Export,
    /// Go to a frame number typed in a prompt.
    GoToFrame,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Down,
    Up,
    PageDown,
    PageUp,
    HalfPageDown,
    HalfPageUp,
    First,
    Last,
}

/// A key: its code, and whether Ctrl is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn k(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

const fn c(ch: char) -> Key {
    Key {
        code: KeyCode::Char(ch),
        ctrl: false,
    }
}

const fn ctrl(ch: char) -> Key {
    Key {
        code: KeyCode::Char(ch),
        ctrl: true,
    }
}

impl Key {
    pub fn of(e: &KeyEvent) -> Key {
        Key {
            code: e.code,
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
        }
    }

    /// The event this key makes (tests).
    pub fn event(self) -> KeyEvent {
        let mods = if self.ctrl {
            KeyModifiers::CONTROL
        } else if matches!(self.code, KeyCode::BackTab)
            || matches!(self.code, KeyCode::Char(ch) if ch.is_ascii_uppercase())
        {
            KeyModifiers::SHIFT
        } else {
            KeyModifiers::NONE
        };
        KeyEvent::new(self.code, mods)
    }
}

/// Where the user is: which bindings apply and which hints the footer shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub screen: Screen,
    pub focus: Pane,
    /// A live capture: probes can be sent.
    pub live: bool,
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Anywhere,
    /// The clients screen (list, timeline, detail).
    Clients,
    /// The clients screen with the timeline focused.
    Timeline,
    Servers,
    Findings,
    Addresses,
}

impl When {
    pub fn holds(self, p: &Place) -> bool {
        match self {
            When::Anywhere => true,
            When::Clients => p.screen == Screen::Clients,
            When::Timeline => p.screen == Screen::Clients && p.focus == Pane::Timeline,
            When::Servers => p.screen == Screen::Servers,
            When::Findings => p.screen == Screen::Findings,
            When::Addresses => p.screen == Screen::Addresses,
        }
    }
}

/// One row of the table: the keys and the action each one triggers, how the help screen
/// names them, what the row does, and the footer's hint for it where one is shown.
pub struct Binding {
    pub keys: &'static [(Key, Action)],
    pub when: When,
    /// The keys as the help screen shows them.
    pub label: &'static str,
    pub help: &'static str,
    /// The footer's hint for this row at a place, if any.
    pub hint: fn(&Place) -> Option<&'static str>,
}

fn none(_: &Place) -> Option<&'static str> {
    None
}

fn everywhere<const N: usize>(_: &Place) -> Option<&'static str> {
    Some(["? help", "q quit"][N])
}

/// Every binding of the normal mode, in the order the help screen and the footer show them.
pub const BINDINGS: &[Binding] = &[
    Binding {
        keys: &[
            (k(KeyCode::Down), Action::Move(Step::Down)),
            (k(KeyCode::Up), Action::Move(Step::Up)),
            (c('j'), Action::Move(Step::Down)),
            (c('k'), Action::Move(Step::Up)),
        ],
        when: When::Anywhere,
        label: "↑ ↓  k j",
        help: "move in the focused pane",
        hint: |p| {
            Some(match (p.screen, p.focus) {
                (Screen::Clients, Pane::Timeline) => "↑↓ message",
                (Screen::Clients, Pane::Detail) => "↑↓ field (bytes highlighted)",
                _ => "↑↓ move",
            })
        },
    },
    Binding {
        keys: &[
            (k(KeyCode::PageUp), Action::Move(Step::PageUp)),
            (k(KeyCode::PageDown), Action::Move(Step::PageDown)),
            (ctrl('u'), Action::Move(Step::HalfPageUp)),
            (ctrl('d'), Action::Move(Step::HalfPageDown)),
        ],
        when: When::Anywhere,
        label: "PgUp PgDn  Ctrl-u Ctrl-d",
        help: "page up / down (Ctrl: half a page)",
        hint: none,
    },
    Binding {
        keys: &[
            (k(KeyCode::Home), Action::Move(Step::First)),
            (k(KeyCode::End), Action::Move(Step::Last)),
            (c('g'), Action::Move(Step::First)),
            (c('G'), Action::Move(Step::Last)),
        ],
        when: When::Anywhere,
        label: "Home End  g G",
        help: "first / last",
        hint: none,
    },
    Binding {
        keys: &[
            (k(KeyCode::Right), Action::Open),
            (c('l'), Action::Open),
            (k(KeyCode::Enter), Action::Open),
        ],
        when: When::Clients,
        label: "→ l Enter",
        help: "open: client → timeline → packet detail",
        hint: |p| match p.focus {
            Pane::Clients => Some("Enter timeline"),
            Pane::Timeline => Some("Enter detail"),
            Pane::Detail => None,
        },
    },
    Binding {
        keys: &[(k(KeyCode::Enter), Action::Open)],
        when: When::Servers,
        label: "Enter (servers)",
        help: "clients served by that server",
        hint: |_| Some("Enter clients of this server"),
    },
    Binding {
        keys: &[(k(KeyCode::Enter), Action::Open)],
        when: When::Findings,
        label: "Enter (findings)",
        help: "jump to the client and frame",
        hint: |_| Some("Enter jump to client and frame"),
    },
    Binding {
        keys: &[(k(KeyCode::Enter), Action::Open)],
        when: When::Addresses,
        label: "Enter (addresses)",
        help: "the holder's client",
        hint: |_| Some("Enter holder's client"),
    },
    Binding {
        keys: &[(c('p'), Action::Probe)],
        when: When::Anywhere,
        label: "p",
        help: "send a DHCP probe (live: -i), see its verdict",
        hint: |p| {
            (p.live && p.screen == Screen::Clients && p.focus == Pane::Clients).then_some("p probe")
        },
    },
    Binding {
        keys: &[(c('/'), Action::Filter)],
        when: When::Anywhere,
        label: "/",
        help: "filter: mac: ip: host: server: … and/or/not",
        hint: |p| (p.screen == Screen::Clients && p.focus == Pane::Clients).then_some("/ filter"),
    },
    Binding {
        keys: &[(c(':'), Action::GoToFrame)],
        when: When::Anywhere,
        label: ":",
        help: "go to frame number (prompt)",
        hint: |_| None,
    },
    Binding {
        keys: &[(c('w'), Action::Export)],
        when: When::Clients,
        label: "w",
        help: "write this client's frames to a pcap file",
        hint: |_| None,
    },
    Binding {
        keys: &[(c('s'), Action::Sort)],
        when: When::Anywhere,
        label: "s",
        help: "sort: first/last seen, MAC, host, address, …",
        hint: |p| (p.screen == Screen::Clients && p.focus == Pane::Clients).then_some("s sort"),
    },
    Binding {
        keys: &[(c('f'), Action::Follow)],
        when: When::Anywhere,
        label: "f",
        help: "follow: select the client of the latest packet",
        hint: |p| (p.screen == Screen::Clients && p.focus == Pane::Clients).then_some("f follow"),
    },
    Binding {
        keys: &[
            (c('1'), Action::Show(Screen::Clients)),
            (c('2'), Action::Show(Screen::Servers)),
            (c('3'), Action::Show(Screen::Findings)),
            (c('4'), Action::Show(Screen::Addresses)),
        ],
        when: When::Anywhere,
        label: "1  2  3  4",
        help: "clients, servers, findings, addresses",
        hint: |p| {
            (p.screen == Screen::Clients && p.focus == Pane::Clients)
                .then_some("1 clients 2 servers 3 findings")
        },
    },
    Binding {
        keys: &[(c('n'), Action::NextMatch), (c('N'), Action::PrevMatch)],
        when: When::Anywhere,
        label: "n  N",
        help: "next / previous match (timeline: messages)",
        hint: |p| {
            (p.screen == Screen::Clients && p.focus == Pane::Timeline).then_some("n/N next match")
        },
    },
    Binding {
        keys: &[
            (k(KeyCode::Tab), Action::NextPane),
            (k(KeyCode::BackTab), Action::PrevPane),
        ],
        when: When::Clients,
        label: "Tab  Shift-Tab",
        help: "next / previous pane",
        hint: |p| (p.focus == Pane::Timeline).then_some("Tab pane"),
    },
    Binding {
        keys: &[
            (k(KeyCode::Left), Action::Back),
            (c('h'), Action::Back),
            (k(KeyCode::Esc), Action::Escape),
            (k(KeyCode::Backspace), Action::Back),
        ],
        when: When::Anywhere,
        label: "← h Esc",
        help: "back (Esc on the list clears the filter)",
        hint: |p| (p.screen != Screen::Clients || p.focus != Pane::Clients).then_some("Esc back"),
    },
    Binding {
        keys: &[(c(' '), Action::Pause)],
        when: When::Anywhere,
        label: "space",
        help: "pause / resume reading (replay, stdin, live)",
        hint: none,
    },
    Binding {
        keys: &[(c('?'), Action::Help)],
        when: When::Anywhere,
        label: "?",
        help: "this help (any key closes it)",
        hint: everywhere::<0>,
    },
    Binding {
        keys: &[(c('q'), Action::Quit), (ctrl('c'), Action::Quit)],
        when: When::Anywhere,
        label: "q  Ctrl-c",
        help: "quit",
        hint: everywhere::<1>,
    },
];

/// The action `key` triggers at `place`: the first row that applies and lists the key.
pub fn action(key: Key, place: &Place) -> Option<Action> {
    BINDINGS
        .iter()
        .filter(|b| b.when.holds(place))
        .flat_map(|b| b.keys.iter())
        .find(|(k, _)| *k == key)
        .map(|(_, a)| *a)
}

/// The footer's key hints at `place`, in table order.
pub fn hints(place: &Place) -> String {
    let mut out = String::new();
    let shown = BINDINGS.iter().filter(|b| b.when.holds(place));
    for hint in shown.filter_map(|b| (b.hint)(place)) {
        if !out.is_empty() {
            out.push_str("  ");
        }
        out.push_str(hint);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A place where `when` holds.
    fn place_for(when: When) -> Place {
        let (screen, focus) = match when {
            When::Anywhere | When::Clients => (Screen::Clients, Pane::Clients),
            When::Timeline => (Screen::Clients, Pane::Timeline),
            When::Servers => (Screen::Servers, Pane::Clients),
            When::Findings => (Screen::Findings, Pane::Clients),
            When::Addresses => (Screen::Addresses, Pane::Clients),
        };
        Place {
            screen,
            focus,
            live: true,
        }
    }

    /// Every key of the table reaches its own action where its row applies: no row shadows
    /// another one's key.
    #[test]
    fn every_key_reaches_its_action() {
        for b in BINDINGS {
            let place = place_for(b.when);
            for (key, act) in b.keys {
                assert_eq!(action(*key, &place), Some(*act), "{} {key:?}", b.label);
                assert_eq!(action(Key::of(&key.event()), &place), Some(*act));
            }
        }
    }

    #[test]
    fn footers_are_drawn_from_the_table() {
        let at = |screen, focus, live| {
            hints(&Place {
                screen,
                focus,
                live,
            })
        };
        assert_eq!(
            at(Screen::Clients, Pane::Clients, true),
            "↑↓ move  Enter timeline  p probe  / filter  s sort  f follow  1 clients 2 servers 3 findings  ? help  q quit"
        );
        assert!(!at(Screen::Clients, Pane::Clients, false).contains("probe"));
        assert_eq!(
            at(Screen::Servers, Pane::Clients, false),
            "↑↓ move  Enter clients of this server  Esc back  ? help  q quit"
        );
    }
}
