//! TUI views rendered on a `TestBackend` from models built by feeding messages, as the
//! runtime does: snapshots of every view, plus style checks where colour carries meaning.
//!
//! Snapshots live in tests/snapshots/; create or update them locally with
//! `INSTA_UPDATE=always cargo test --test tui_render` (CI=true makes insta refuse new ones).

use dhcpscope::analysis::Expectations;
use dhcpscope::tui::app::{DetailContent, Pane, Screen};
use dhcpscope::tui::reader::Control;
use dhcpscope::tui::{Model, Msg, load_model, run_cmds, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};
use std::path::Path;

const SHOWCASE: &str = "captures/lab-showcase.pcap";

fn expect_legit() -> Expectations {
    dhcpscope::analysis::config::load(None, &["10.0.0.1".to_owned()], &[], None).unwrap()
}

fn model(path: &str, expectations: Expectations, size: (u16, u16)) -> Model {
    let mut m = load_model(Path::new(path), expectations, size).unwrap();
    m.color = true;
    m
}

/// Sends keys as the input thread would, carrying out the commands (frame re-reads).
fn keys(m: &mut Model, path: &str, keys: &[KeyCode]) {
    for &k in keys {
        let cmds = update(m, Msg::Key(KeyEvent::new(k, KeyModifiers::NONE)));
        let mut file = None;
        run_cmds(
            m,
            cmds,
            &Control::default(),
            Some(Path::new(path)),
            &mut file,
        );
    }
}

fn chars(s: &str) -> Vec<KeyCode> {
    s.chars().map(KeyCode::Char).collect()
}

fn render(m: &Model) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(m.size.0, m.size.1)).unwrap();
    t.draw(|f| view(m, f)).unwrap();
    t
}

fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// Cells whose symbol contains `needle` on the row that contains `row_has`.
fn find_row(buf: &Buffer, row_has: &str) -> Option<u16> {
    (0..buf.area.height).find(|&y| {
        let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        row.contains(row_has)
    })
}

fn cell_of(buf: &Buffer, y: u16, needle: &str) -> Option<(u16, u16)> {
    let row: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
    let joined: String = row.concat();
    let byte = joined.find(needle)?;
    // Column of that byte offset.
    let mut acc = 0;
    for (x, s) in row.iter().enumerate() {
        if acc == byte {
            return Some((x as u16, y));
        }
        acc += s.len();
    }
    None
}

#[test]
fn clients_and_timeline_80x24() {
    let mut m = model(SHOWCASE, expect_legit(), (80, 24));
    insta::assert_snapshot!("clients_80x24", render(&m).backend());
    // The client that got a NAK from the legit server and an ACK from the rogue.
    keys(&mut m, SHOWCASE, &[KeyCode::Down, KeyCode::Enter]);
    assert_eq!(m.focus, Pane::Timeline);
    insta::assert_snapshot!("timeline_80x24", render(&m).backend());
}

#[test]
fn timeline_wide_120x30() {
    let mut m = model(SHOWCASE, expect_legit(), (120, 30));
    keys(
        &mut m,
        SHOWCASE,
        &[KeyCode::Char('j'), KeyCode::Char('j'), KeyCode::Char('l')],
    );
    insta::assert_snapshot!("timeline_120x30", render(&m).backend());
}

#[test]
fn timeline_colours_carry_meaning() {
    let mut m = model(SHOWCASE, expect_legit(), (100, 30));
    keys(&mut m, SHOWCASE, &[KeyCode::Down, KeyCode::Enter]);
    let t = render(&m);
    let buf = t.backend().buffer();
    // NAK: red and bold.
    let y = find_row(buf, "NAK · ").expect("NAK row");
    let (x, y) = cell_of(buf, y, "NAK").unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Red);
    assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
    // The rogue's ACK: magenta (unexpected server), and its lane header is marked.
    let y = find_row(buf, "◀─ ACK 192.168.66.18").expect("rogue ACK row");
    let (x, y) = cell_of(buf, y, "ACK 192.168.66.18").unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Magenta);
    let y = find_row(buf, "192.168.66.1 !").expect("lane header marks the rogue");
    let (x, y) = cell_of(buf, y, "192.168.66.1 !").unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Magenta);
    // The selected message row is reversed while the timeline has the focus.
    let y = find_row(buf, "▸").unwrap();
    let (x, y) = cell_of(buf, y, "DISCOVER").unwrap();
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
    // Finding marks in the list: the critical (unexpected server) client is red.
    keys(&mut m, SHOWCASE, &[KeyCode::Esc]);
    let t = render(&m);
    let buf = t.backend().buffer();
    let y = find_row(buf, "02:10:00:00:00:22").unwrap();
    assert_eq!(buf[(1, y)].symbol(), "!");
    assert_eq!(buf[(1, y)].fg, Color::Red);
}

#[test]
fn no_color_uses_no_colours() {
    let mut m = model(SHOWCASE, expect_legit(), (100, 30));
    m.color = false;
    keys(&mut m, SHOWCASE, &[KeyCode::Down, KeyCode::Enter]);
    for screen in ['1', '2', '3'] {
        keys(&mut m, SHOWCASE, &[KeyCode::Char(screen)]);
        let t = render(&m);
        let buf = t.backend().buffer();
        for cell in &buf.content {
            assert_eq!(cell.fg, Color::Reset, "{screen}: {:?}", cell);
            assert_eq!(cell.bg, Color::Reset, "{screen}: {:?}", cell);
        }
    }
}

#[test]
fn packet_detail_with_hex_highlight() {
    let mut m = model(SHOWCASE, expect_legit(), (100, 40));
    // Client :22, its REQUEST (4th message), open it, then walk to the xid field.
    keys(
        &mut m,
        SHOWCASE,
        &[
            KeyCode::Down,
            KeyCode::Enter,
            KeyCode::Down,
            KeyCode::Down,
            KeyCode::Down,
        ],
    );
    keys(&mut m, SHOWCASE, &[KeyCode::Enter]);
    assert_eq!(m.focus, Pane::Detail);
    let d = m.detail.as_ref().unwrap();
    assert_eq!(d.fref.frame, 9);
    assert!(
        matches!(d.content, DetailContent::Ready(_)),
        "{:?}",
        d.content
    );
    keys(&mut m, SHOWCASE, &chars("jjjjjjjj"));
    let t = render(&m);
    insta::assert_snapshot!("detail_100x40", t.backend());
    // The selected field (xid, bytes 4..8) is highlighted in the hex dump.
    let buf = t.backend().buffer();
    let y = find_row(buf, "0000  01 01 06 00").expect("first hex row");
    let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
    let xid_at = row.find("01 01 06 00 ").unwrap() + 12;
    let (x, _) = cell_of(buf, y, &row[xid_at..xid_at + 11]).unwrap();
    for dx in 0..2 {
        assert_eq!(buf[(x + dx, y)].bg, Color::Yellow);
    }
    assert_eq!(buf[(x - 2, y)].bg, Color::Reset);
}

#[test]
fn detail_80x24_takes_the_body() {
    let mut m = model(SHOWCASE, expect_legit(), (80, 24));
    keys(
        &mut m,
        SHOWCASE,
        &[KeyCode::Down, KeyCode::Down, KeyCode::Enter],
    );
    keys(&mut m, SHOWCASE, &[KeyCode::Enter]);
    insta::assert_snapshot!("detail_80x24", render(&m).backend());
}

#[test]
fn servers_view() {
    let mut m = model(SHOWCASE, expect_legit(), (80, 24));
    keys(&mut m, SHOWCASE, &[KeyCode::Char('2')]);
    assert_eq!(m.screen, Screen::Servers);
    let t = render(&m);
    insta::assert_snapshot!("servers_80x24", t.backend());
    let buf = t.backend().buffer();
    let y = find_row(buf, "UNEXPECTED").unwrap();
    let (x, y) = cell_of(buf, y, "UNEXPECTED").unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Magenta);
    // Enter lists the clients that server served.
    keys(&mut m, SHOWCASE, &[KeyCode::Enter]);
    assert_eq!(m.screen, Screen::Clients);
    assert_eq!(m.filter, "192.168.66.1");
    assert_eq!(m.order.len(), 4);
}

#[test]
fn findings_view_and_jump() {
    let mut m = model(SHOWCASE, expect_legit(), (80, 24));
    keys(&mut m, SHOWCASE, &[KeyCode::Char('3')]);
    let t = render(&m);
    insta::assert_snapshot!("findings_80x24", t.backend());
    let buf = t.backend().buffer();
    let y = find_row(buf, "CRITICAL").unwrap();
    let (x, y) = cell_of(buf, y, "CRITICAL").unwrap();
    assert_eq!(buf[(x, y)].fg, Color::Red);
    // Down to the unselected-server finding (NAK to :22, frame 10), Enter jumps there.
    let target = m
        .findings_order
        .iter()
        .position(|&i| m.analysis.findings[i].code == "unselected-server-replied")
        .unwrap();
    for _ in 0..target {
        keys(&mut m, SHOWCASE, &[KeyCode::Down]);
    }
    keys(&mut m, SHOWCASE, &[KeyCode::Enter]);
    assert_eq!(m.screen, Screen::Clients);
    assert_eq!(m.focus, Pane::Timeline);
    assert_eq!(
        m.selected_client().unwrap().mac_string(),
        "02:10:00:00:00:22"
    );
    assert_eq!(m.selected_message().unwrap().frame, 10);
}

#[test]
fn filter_and_next_match() {
    let mut m = model(SHOWCASE, Expectations::default(), (80, 24));
    keys(&mut m, SHOWCASE, &[KeyCode::Char('/')]);
    keys(&mut m, SHOWCASE, &chars("nak"));
    insta::assert_snapshot!("filter_typing_80x24", render(&m).backend());
    keys(&mut m, SHOWCASE, &[KeyCode::Enter]);
    let macs: Vec<String> = m
        .order
        .iter()
        .map(|&i| m.analysis.clients[i].mac_string())
        .collect();
    assert_eq!(macs, ["02:10:00:00:00:22", "02:10:00:00:00:23"]);
    // In the timeline, n jumps from NAK to NAK, across clients.
    keys(&mut m, SHOWCASE, &[KeyCode::Enter, KeyCode::Char('n')]);
    let r = m.selected_message().unwrap();
    assert_eq!((r.type_name().as_ref(), r.frame), ("NAK", 10));
    keys(&mut m, SHOWCASE, &[KeyCode::Char('n')]);
    let r = m.selected_message().unwrap();
    assert_eq!((r.type_name().as_ref(), r.frame), ("NAK", 13));
    assert_eq!(
        m.selected_client().unwrap().mac_string(),
        "02:10:00:00:00:23"
    );
    keys(&mut m, SHOWCASE, &[KeyCode::Char('N')]);
    assert_eq!(m.selected_message().unwrap().frame, 10);
    // Filters by IP, hostname, server and MAC.
    for (f, n) in [
        ("10.0.0.60", 1),
        ("showcase", 1),
        ("192.168.66.1", 4),
        ("00:24", 1),
        ("inform", 1),
        ("nothing-like-this", 0),
    ] {
        keys(
            &mut m,
            SHOWCASE,
            &[KeyCode::Esc, KeyCode::Esc, KeyCode::Char('/')],
        );
        keys(&mut m, SHOWCASE, &chars(f));
        keys(&mut m, SHOWCASE, &[KeyCode::Enter]);
        assert_eq!(m.order.len(), n, "filter {f}");
    }
}

#[test]
fn sort_cycles_and_keeps_selection() {
    let mut m = model(SHOWCASE, Expectations::default(), (80, 24));
    keys(
        &mut m,
        SHOWCASE,
        &[KeyCode::Down, KeyCode::Down, KeyCode::Down],
    );
    let before = m.selected_client().unwrap().mac_string();
    keys(&mut m, SHOWCASE, &[KeyCode::Char('s')]);
    assert_eq!(m.sort.name(), "last seen");
    assert_eq!(m.selected_client().unwrap().mac_string(), before);
    let first = m.analysis.clients[m.order[0]].mac_string();
    assert_eq!(first, "02:10:00:00:00:21"); // its RELEASE is the last packet
    insta::assert_snapshot!("sorted_last_seen_80x24", render(&m).backend());
}

#[test]
fn help_lists_every_key() {
    let mut m = model(SHOWCASE, Expectations::default(), (80, 24));
    keys(&mut m, SHOWCASE, &[KeyCode::Char('?')]);
    let t = render(&m);
    insta::assert_snapshot!("help_80x24", t.backend());
    let screen = text(t.backend().buffer());
    for k in [
        "k j",
        "Tab",
        "/",
        "n  N",
        "s",
        "f",
        "space",
        "1  2  3",
        "q  Ctrl-c",
        "?",
    ] {
        assert!(screen.contains(k), "help lacks {k}");
    }
    keys(&mut m, SHOWCASE, &[KeyCode::Char('x')]);
    assert!(!m.help);
}

#[test]
fn error_screen_and_quit() {
    let mut m = Model::new(
        "<stdin>",
        dhcpscope::tui::SourceKind::Stdin,
        Expectations::default(),
        dhcpscope::tui::Speed::Load,
    );
    update(&mut m, Msg::Resize(80, 24));
    update(
        &mut m,
        Msg::Ended(dhcpscope::tui::reader::Ended {
            fatal: Some("read error: Input/output error (os error 5)".into()),
            ..Default::default()
        }),
    );
    insta::assert_snapshot!("error_80x24", render(&m).backend());
    keys(&mut m, SHOWCASE, &[KeyCode::Char('q')]);
    assert!(m.quit);
}

#[test]
fn loading_shows_a_screen_before_any_packet() {
    let mut m = Model::new(
        "big.pcap",
        dhcpscope::tui::SourceKind::File,
        Expectations::default(),
        dhcpscope::tui::Speed::Load,
    );
    update(&mut m, Msg::Resize(80, 24));
    insta::assert_snapshot!("loading_80x24", render(&m).backend());
}

/// Every symbol on screen, checked for control characters, ESC and bidi controls.
fn assert_clean(screen: &str) {
    for c in screen.chars() {
        let u = c as u32;
        let control = (u < 0x20 && c != '\n') || u == 0x7f || (0x80..=0x9f).contains(&u);
        let bidi = matches!(u, 0x061c | 0x200e | 0x200f | 0x202a..=0x202e | 0x2066..=0x2069);
        assert!(
            !control && !bidi,
            "raw control U+{u:04X} reached the screen"
        );
    }
}

#[test]
fn hostile_hostname_never_reaches_the_terminal_raw() {
    let path = "captures/hostile-hostname.pcap";
    let mut m = model(path, Expectations::default(), (160, 60));
    let h = m.analysis.clients[0].hostname.clone().unwrap();
    assert!(h.contains("\\x1b[31m"), "{h}");
    let mut screens = vec![text(render(&m).backend().buffer())];
    keys(&mut m, path, &[KeyCode::Enter, KeyCode::Enter]);
    let DetailContent::Ready(v) = &m.detail.as_ref().unwrap().content else {
        panic!("detail not loaded");
    };
    // The option 12 line is in the tree, escaped.
    let line = v
        .lines
        .iter()
        .find(|l| l.label.contains("Host Name"))
        .unwrap();
    assert!(line.value.contains("\\x1b]52;c;"), "{}", line.value);
    assert!(line.value.contains("\\u{202e}"), "{}", line.value);
    for l in &v.lines {
        assert_clean(&l.label);
        assert_clean(&l.value);
    }
    // Walk the whole tree so every line is drawn once.
    for _ in 0..v.lines.len() {
        screens.push(text(render(&m).backend().buffer()));
        keys(&mut m, path, &[KeyCode::Down]);
    }
    // The filter echo escapes what is typed too.
    keys(
        &mut m,
        path,
        &[KeyCode::Esc, KeyCode::Esc, KeyCode::Char('/')],
    );
    keys(&mut m, path, &chars("evil"));
    screens.push(text(render(&m).backend().buffer()));
    for s in &screens {
        assert_clean(s);
    }
    assert!(
        screens[1].contains("evil\\x01\\x07\\x08\\x1b[31mRED"),
        "{}",
        screens[1]
    );
}

/// A stream gets its findings once quiet with no exchange open, never mid-exchange (which
/// would split the exchange in the analysis).
#[test]
fn stream_findings_wait_for_closed_exchanges() {
    use dhcpscope::tui::reader::{self, ReadOptions};
    use std::time::{Duration, Instant};
    let mut source = dhcpscope::source::FileSource::open(Path::new(SHOWCASE)).unwrap();
    let mut batches = Vec::new();
    let opts = ReadOptions {
        keep_frames: true,
        batch_packets: 1,
        ..ReadOptions::default()
    };
    let ended = reader::read_batches(&mut source, &opts, &Control::default(), |b| {
        batches.push(b);
        true
    });
    let mut m = Model::new(
        "<stdin>",
        dhcpscope::tui::SourceKind::Stdin,
        Expectations::default(),
        dhcpscope::tui::Speed::Load,
    );
    update(&mut m, Msg::Resize(80, 24));
    let mut batches = batches.into_iter().filter(|b| !b.items.is_empty());
    // DISCOVER and two OFFERs, then a quiet moment: the exchange is open, no findings yet.
    for b in batches.by_ref().take(3) {
        update(&mut m, Msg::Packets(b));
    }
    update(&mut m, Msg::Tick(Instant::now() + Duration::from_secs(2)));
    assert!(!m.findings_ready);
    for b in batches.by_ref().take(2) {
        update(&mut m, Msg::Packets(b));
    }
    // REQUEST and ACK closed it: quiet again, findings come.
    update(&mut m, Msg::Tick(Instant::now() + Duration::from_secs(4)));
    assert!(m.findings_ready);
    assert!(
        m.analysis
            .findings
            .iter()
            .any(|f| f.code == "competing-offers")
    );
    for b in batches {
        update(&mut m, Msg::Packets(b));
    }
    update(&mut m, Msg::Ended(ended));
    let kinds: Vec<&str> = m.analysis.clients[0]
        .exchanges
        .iter()
        .map(|e| e.outcome.name())
        .collect();
    assert_eq!(kinds, ["ACK", "RELEASED"]);
    // Frames from a stream are kept for the detail view.
    keys(&mut m, SHOWCASE, &[KeyCode::Enter, KeyCode::Enter]);
    let d = m.detail.as_ref().unwrap();
    assert!(
        matches!(d.content, DetailContent::Ready(_)),
        "{:?}",
        d.content
    );
}
