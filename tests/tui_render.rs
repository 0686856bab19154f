//! TUI views rendered on a `TestBackend` from models built by feeding messages, as the
//! runtime does: snapshots of every view, plus style checks where colour carries meaning.
//!
//! Snapshots live in tests/snapshots/; create or update them locally with
//! `INSTA_UPDATE=always cargo test --test tui_render` (CI=true makes insta refuse new ones).

use dhcpscope::analysis::Expectations;
use dhcpscope::craft::{BROADCAST_MAC, UdpEndpoints, udp_frame};
use dhcpscope::dhcp::MessageBuilder;
use dhcpscope::dhcp::options::{self as opt, MessageType};
use dhcpscope::pcap_writer::PcapWriter;
use dhcpscope::time::Timestamp;
use dhcpscope::tui::model::{DetailContent, Pane, Screen};
use dhcpscope::tui::reader::Control;
use dhcpscope::tui::{Model, Msg, load_model, run_cmds, update, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

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
    assert_eq!(m.filter, "server:192.168.66.1");
    assert_eq!(m.order.len(), 4);
}

/// Writes `frames` to a pcap named after the test, returns its path.
fn write_pcap(name: &str, frames: &[(Timestamp, Vec<u8>)]) -> PathBuf {
    let path = std::env::temp_dir().join(format!(
        "dhcpscope-render-{name}-{}.pcap",
        std::process::id()
    ));
    let mut w = PcapWriter::new(std::fs::File::create(&path).unwrap()).unwrap();
    for (t, f) in frames {
        w.write_frame(*t, f).unwrap();
    }
    path
}

/// Enter on a server lists exactly the clients it answered: 10.0.0.1 is not 10.0.0.10.
#[test]
fn servers_enter_filters_on_that_server_exactly() {
    let t = |ms: i64| Timestamp::new(1_795_000_000 + ms / 1000, (ms % 1000) as u32 * 1_000_000);
    let mut frames = Vec::new();
    for (i, server) in [[10, 0, 0, 1], [10, 0, 0, 10], [10, 0, 0, 100]]
        .into_iter()
        .enumerate()
    {
        let server = Ipv4Addr::from(server);
        let chaddr = [2, 0x10, 0, 0, 0, 0x0a + i as u8];
        let smac = [2, 0x53, 0, 0, 0, 1 + i as u8];
        let discover = MessageBuilder::request(0x100 + i as u32, chaddr)
            .message_type(MessageType::DISCOVER)
            .build();
        let offer = MessageBuilder::reply(0x100 + i as u32, chaddr)
            .message_type(MessageType::OFFER)
            .yiaddr(Ipv4Addr::new(10, 0, 0, 150 + i as u8))
            .option_ip(opt::SERVER_ID, server)
            .build();
        let ends = UdpEndpoints::server_reply(smac, server, BROADCAST_MAC, Ipv4Addr::BROADCAST);
        frames.push((
            t(1000 * i as i64),
            udp_frame(&UdpEndpoints::client_broadcast(chaddr), &[], &discover),
        ));
        frames.push((t(1000 * i as i64 + 1), udp_frame(&ends, &[], &offer)));
    }
    let path = write_pcap("servers-exact", &frames);
    let p = path.to_str().unwrap().to_owned();
    let mut m = model(&p, Expectations::default(), (100, 30));
    let _ = std::fs::remove_file(&path);
    // A plain 10.0.0.1 typed in the filter matches all three (substring).
    keys(&mut m, &p, &[KeyCode::Char('/')]);
    keys(&mut m, &p, &chars("10.0.0.1"));
    keys(&mut m, &p, &[KeyCode::Enter]);
    assert_eq!(m.order.len(), 3);
    keys(&mut m, &p, &[KeyCode::Esc, KeyCode::Char('2')]);
    assert_eq!(m.analysis.servers[0].id, Ipv4Addr::new(10, 0, 0, 1));
    let served = |m: &Model| -> Vec<String> {
        m.order
            .iter()
            .map(|&i| m.analysis.clients[i].mac_string())
            .collect()
    };
    keys(&mut m, &p, &[KeyCode::Enter]);
    assert_eq!(m.filter, "server:10.0.0.1");
    assert_eq!(served(&m), ["02:10:00:00:00:0a"]);
    assert_eq!(m.status, "clients served by 10.0.0.1 (1 clients)");
    // In its timeline, n goes to that server's reply.
    keys(&mut m, &p, &[KeyCode::Enter, KeyCode::Char('n')]);
    let r = m.selected_message().unwrap();
    assert_eq!((r.type_name().as_ref(), r.frame), ("OFFER", 2));
    keys(
        &mut m,
        &p,
        &[KeyCode::Char('2'), KeyCode::Down, KeyCode::Enter],
    );
    assert_eq!(m.filter, "server:10.0.0.10");
    assert_eq!(served(&m), ["02:10:00:00:00:0b"]);
    // Typed, the same filter works; while its address is incomplete the error is shown in
    // place and the last valid filter stays applied.
    keys(&mut m, &p, &[KeyCode::Char('/'), KeyCode::Backspace]);
    assert_eq!(m.filter, "server:10.0.0.1");
    assert_eq!(served(&m), ["02:10:00:00:00:0a"]);
    keys(&mut m, &p, &[KeyCode::Backspace, KeyCode::Backspace]);
    assert_eq!(m.filter, "server:10.0.0");
    assert_eq!(m.filter_error.as_ref().map(|e| e.pos), Some(7));
    assert_eq!(served(&m), ["02:10:00:00:00:0a"]);
    let screen = format!("{:?}", render(&m).backend());
    assert!(screen.contains("^ col 8: not an IPv4 address"), "{screen}");
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
    // The help screen is drawn from the binding table: every row, its keys and what it does.
    for b in dhcpscope::tui::keys::BINDINGS {
        assert!(screen.contains(b.label), "help lacks {}", b.label);
        assert!(screen.contains(b.help), "help lacks {}", b.help);
    }
    keys(&mut m, SHOWCASE, &[KeyCode::Char('x')]);
    assert!(!m.help);
}

/// Every key of the binding table is handled: sent where its row applies, it changes the
/// model or asks the runtime for something (only keys that cannot move on a one-row list
/// may leave everything as it was).
#[test]
fn every_binding_is_handled() {
    use dhcpscope::tui::keys::{Action, BINDINGS, When};
    for b in BINDINGS {
        for (key, action) in b.keys {
            let mut m = model(SHOWCASE, Expectations::default(), (120, 40));
            let setup: &[KeyCode] = match (b.when, action) {
                // A screen key is tried from another screen.
                (_, Action::Show(s)) if *s == dhcpscope::tui::model::Screen::Clients => {
                    &[KeyCode::Char('3')]
                }
                // Back is tried from the timeline.
                (_, Action::Back | Action::Escape) => &[KeyCode::Down, KeyCode::Enter],
                (When::Anywhere | When::Clients, _) => &[KeyCode::Down],
                (When::Timeline, _) => &[KeyCode::Down, KeyCode::Enter, KeyCode::Down],
                (When::Servers, _) => &[KeyCode::Char('2')],
                (When::Findings, _) => &[KeyCode::Char('3')],
                (When::Addresses, _) => &[KeyCode::Char('4')],
            };
            keys(&mut m, SHOWCASE, setup);
            let before = format!("{:?}", snapshot_of(&m));
            let cmds = update(&mut m, Msg::Key(key.event()));
            let after = format!("{:?}", snapshot_of(&m));
            let may_stay = matches!(action, Action::Move(_) | Action::PrevPane);
            assert!(
                may_stay || before != after || !cmds.is_empty(),
                "{} ({key:?} → {action:?}) did nothing",
                b.label
            );
        }
    }
}

/// What a key can change in the model.
fn snapshot_of(m: &Model) -> impl std::fmt::Debug {
    (
        (
            m.quit,
            m.help,
            m.probe.open,
            m.input.clone(),
            m.export_input.clone(),
            m.goto_input.clone(),
        ),
        (m.paused, m.follow, m.sort, m.screen),
        m.focus,
        m.clients,
        m.timeline,
        m.status.clone(),
        m.filter.clone(),
        m.detail.as_ref().map(|d| (d.fref, d.sel)),
    )
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

/// Whether `s` can go to a terminal as it is (no C0/C1 control, DEL, bidi or zero-width
/// character): the crate's own test, `escape::is_clean`, with the backslashes of the escapes
/// themselves allowed.
fn terminal_safe(s: &str) -> bool {
    let plain = dhcpscope::escape::is_clean(&s.replace('\\', ""));
    assert_eq!(plain, dhcpscope::tui::is_terminal_safe(s), "{s:?}");
    plain
}

fn assert_safe<'a>(what: &str, strings: impl IntoIterator<Item = &'a str>) {
    for s in strings {
        assert!(terminal_safe(s), "{what}: terminal-unsafe {s:?}");
    }
}

/// Hostile bytes from the wire, a hostile file name and hostile typing never reach the
/// terminal raw, in any pane. Checking the rendered buffer alone proves nothing: ratatui drops
/// control and zero-width characters itself (and column widths cut the rest). So this checks
/// the strings the model and the views build: the model's here, and every span the view hands
/// to ratatui in `view::para`, which asserts it in debug builds (see the next test). The
/// screens must show the escaped forms.
#[test]
fn hostile_strings_never_reach_the_terminal_raw() {
    use dhcpscope::probe::{Mode, Status, Verdict};
    use dhcpscope::tui::probe::ProbeOutcome;
    // The capture under a hostile name; its server unexpected, so there are findings.
    let dir = std::env::temp_dir().join(format!("dhcpscope-hostile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("evil\x1b[2J\u{202e}gnp.pcap");
    std::fs::copy("captures/hostile-hostname.pcap", &path).unwrap();
    let p = path.to_str().unwrap().to_owned();
    let expect =
        dhcpscope::analysis::config::load(None, &["10.0.0.99".to_owned()], &[], None).unwrap();
    let mut m = model(&p, expect, (160, 60));
    assert!(!m.analysis.findings.is_empty());
    let h = m.analysis.clients[0].hostname.clone().unwrap();
    assert!(h.contains("\\x1b[31m"), "{h}");
    let mut screens = vec![text(render(&m).backend().buffer())];
    assert!(
        screens[0].contains("evil\\x1b[2J\\u{202e}gnp.pcap"),
        "{}",
        screens[0]
    );

    // Timeline, then the packet detail, every line of it selected once.
    keys(&mut m, &p, &[KeyCode::Enter]);
    screens.push(text(render(&m).backend().buffer()));
    keys(&mut m, &p, &[KeyCode::Enter]);
    let DetailContent::Ready(v) = &m.detail.as_ref().unwrap().content else {
        panic!("detail not loaded");
    };
    let v = v.clone();
    let line = v
        .lines
        .iter()
        .find(|l| l.label.contains("Host Name"))
        .unwrap();
    assert!(line.value.contains("\\x1b]52;c;"), "{}", line.value);
    assert!(
        line.value.contains("\\u{202e}txt.exe\\x7f"),
        "{}",
        line.value
    );
    assert_safe(
        "packet view",
        v.lines
            .iter()
            .flat_map(|l| [l.label.as_str(), l.value.as_str()]),
    );
    for _ in 0..v.lines.len() {
        screens.push(text(render(&m).backend().buffer()));
        keys(&mut m, &p, &[KeyCode::Down]);
    }
    assert!(
        screens[2].contains("evil\\x01\\x07\\x08\\x1b[31mRED"),
        "{}",
        screens[2]
    );

    // Servers and findings, every row selected once.
    keys(
        &mut m,
        &p,
        &[KeyCode::Esc, KeyCode::Esc, KeyCode::Char('2')],
    );
    for _ in 0..m.analysis.servers.len() {
        screens.push(text(render(&m).backend().buffer()));
        keys(&mut m, &p, &[KeyCode::Down]);
    }
    keys(&mut m, &p, &[KeyCode::Char('3')]);
    for _ in 0..m.analysis.findings.len() {
        screens.push(text(render(&m).backend().buffer()));
        keys(&mut m, &p, &[KeyCode::Down]);
    }
    keys(&mut m, &p, &[KeyCode::Char('1'), KeyCode::Char('?')]);
    screens.push(text(render(&m).backend().buffer()));
    keys(&mut m, &p, &[KeyCode::Esc]);

    // What is typed: the filter (echo, list title, footer) and a probe form field.
    keys(&mut m, &p, &[KeyCode::Char('/')]);
    keys(&mut m, &p, &chars("evil\u{202e}\u{2066}"));
    screens.push(text(render(&m).backend().buffer()));
    keys(&mut m, &p, &[KeyCode::Enter]);
    screens.push(text(render(&m).backend().buffer()));
    assert!(
        screens.last().unwrap().contains("/evil\\u{202e}\\u{2066}"),
        "{}",
        screens.last().unwrap()
    );
    keys(
        &mut m,
        &p,
        &[KeyCode::Char('p'), KeyCode::Down, KeyCode::Down],
    );
    keys(&mut m, &p, &chars("host\u{202e}exe"));
    let form = text(render(&m).backend().buffer());
    assert!(form.contains("host\\u{202e}exe"), "{form}");
    screens.push(form);

    // A probe verdict whose text carries hostile bytes, then a failure that does.
    let plan = m.probe.form.plan("eth0", &Expectations::default()).unwrap();
    let verdict = Verdict {
        status: Status::Critical,
        summary: "rogue says \x1b]0;owned\x07\u{202e}".into(),
        sent: 1,
        sent_by_mode: vec![(Mode::Discover, 1)],
        replies: Vec::new(),
        servers: Vec::new(),
        silent_expected: Vec::new(),
        findings: Vec::new(),
        notes: vec!["note \x1b[2J\u{9b}".into()],
    };
    update(
        &mut m,
        Msg::ProbeDone(Ok(ProbeOutcome::from_verdict(&plan, &verdict))),
    );
    let report = text(render(&m).backend().buffer());
    assert!(report.contains("note \\x1b[2J\\u{009b}"), "{report}");
    screens.push(report);
    keys(&mut m, &p, &[KeyCode::Esc]);
    screens.push(text(render(&m).backend().buffer()));
    update(
        &mut m,
        Msg::ProbeDone(Err("sending failed: \x1b[31m\u{202e}".into())),
    );
    screens.push(text(render(&m).backend().buffer()));
    keys(&mut m, &p, &[KeyCode::Char('p')]);
    screens.push(text(render(&m).backend().buffer()));
    keys(&mut m, &p, &[KeyCode::Esc]);

    // The error screen.
    update(
        &mut m,
        Msg::Ended(dhcpscope::tui::reader::Ended {
            fatal: Some("read error: \x1b]52;c;x\x07\u{202e}".into()),
            ..Default::default()
        }),
    );
    let err = text(render(&m).backend().buffer());
    assert!(
        err.contains("read error: \\x1b]52;c;x\\x07\\u{202e}"),
        "{err}"
    );
    screens.push(err);

    // The strings the model keeps for display.
    let a = &m.analysis;
    let mut model_strings: Vec<&str> = vec![&m.source_name, &m.status];
    model_strings.extend(m.fatal.as_deref());
    for c in &a.clients {
        model_strings.extend(c.hostname.as_deref());
        model_strings.extend(c.vendor_class.as_deref());
    }
    for f in &a.findings {
        model_strings.push(&f.message);
        model_strings.extend(f.client.as_deref());
    }
    match &m.probe.last {
        Some(Err(e)) => model_strings.push(e),
        other => panic!("{other:?}"),
    }
    assert_safe("model", model_strings);
    let o = ProbeOutcome::from_verdict(&plan, &verdict);
    assert_safe(
        "probe report",
        o.report
            .iter()
            .map(String::as_str)
            .chain([o.status_line.as_str()]),
    );
    // And, for what it is worth, the screens.
    for s in &screens {
        assert_safe("screen", s.lines());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The check the view makes of every span (debug builds): a string that missed its escaping
/// stops the test run, where ratatui alone would silently drop the raw characters.
#[cfg(debug_assertions)]
#[test]
#[should_panic(expected = "terminal-unsafe text reached the view")]
fn unescaped_text_is_caught_before_ratatui_hides_it() {
    let mut m = model(SHOWCASE, Expectations::default(), (80, 24));
    m.status = "raw \x1b[31m\u{202e}".into();
    render(&m);
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
    let mut batches = batches.into_iter().filter(|b| !b.is_empty());
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

// ------------------------------------------------------------------ probe form --

mod probe_view {
    use super::*;
    use dhcpscope::probe::craft::{self, MessageFields, Route};
    use dhcpscope::probe::fake::FakeLink;
    use dhcpscope::probe::{Mode, Plan, Session};
    use dhcpscope::tui::Cmd;
    use dhcpscope::tui::layout::header_rows;
    use dhcpscope::tui::probe::{Field, ProbeOutcome};
    use dhcpscope::tui::reader::{self, Batch, ReadOptions};

    const LEGIT: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);
    const LEGIT_MAC: [u8; 6] = [0x02, 0x53, 0, 0, 0, 1];
    const ROGUE: Ipv4Addr = Ipv4Addr::new(192, 168, 66, 1);
    const ROGUE_MAC: [u8; 6] = [0x02, 0xba, 0xdb, 0xad, 0xba, 0xd1];
    const LAPTOP: [u8; 6] = [0x02, 0x10, 0, 0, 0, 1];
    /// The xid the (simulated) probe thread reports.
    const PROBE_XID: u32 = 0x5eed_0001;
    const T0: i64 = 1_795_000_000;

    fn key(m: &mut Model, k: KeyCode) -> Vec<Cmd> {
        update(m, Msg::Key(KeyEvent::new(k, KeyModifiers::NONE)))
    }

    fn type_text(m: &mut Model, s: &str) {
        for c in s.chars() {
            assert!(key(m, KeyCode::Char(c)).is_empty());
        }
    }

    /// A live model whose probe handles are open on eth0.
    fn live_model(size: (u16, u16)) -> Model {
        let mut m = Model::new(
            "live eth0",
            dhcpscope::tui::SourceKind::Live,
            expect_legit(),
            dhcpscope::tui::Speed::Load,
        );
        m.color = true;
        m.probe.target = Ok("eth0".into());
        update(&mut m, Msg::Resize(size.0, size.1));
        m
    }

    fn ts(ms: f64) -> Timestamp {
        let ns = (ms * 1e6) as i64;
        Timestamp::new(T0 + ns / 1_000_000_000, (ns % 1_000_000_000) as u32)
    }

    fn offer(xid: u32, chaddr: [u8; 6], server: Ipv4Addr, addr: Ipv4Addr) -> Vec<u8> {
        MessageBuilder::reply(xid, chaddr)
            .message_type(MessageType::OFFER)
            .yiaddr(addr)
            .option_ip(opt::SERVER_ID, server)
            .option_u32(opt::LEASE_TIME, 120)
            .option_ip(opt::SUBNET_MASK, Ipv4Addr::new(255, 255, 255, 0))
            .option_ip(opt::ROUTER, server)
            .build()
    }

    fn from_server(mac: [u8; 6], ip: Ipv4Addr, payload: &[u8]) -> Vec<u8> {
        let ends = UdpEndpoints::server_reply(mac, ip, BROADCAST_MAC, Ipv4Addr::BROADCAST);
        udp_frame(&ends, &[], payload)
    }

    /// What the segment carries: a laptop's DORA with the legit server, then the probe's
    /// DISCOVER (built as the probe session builds it) and the OFFERs of the rogue and the
    /// legit server. Returns the frames with their times, and which are the probe's.
    fn traffic(plan: &Plan) -> Vec<(Timestamp, Vec<u8>)> {
        let laptop = |t: MessageType| {
            let b = MessageBuilder::request(0x1a2b_3c4d, LAPTOP)
                .message_type(t)
                .option(opt::HOSTNAME, b"laptop");
            if t == MessageType::REQUEST {
                b.option_ip(opt::REQUESTED_IP, Ipv4Addr::new(10, 0, 0, 101))
                    .option_ip(opt::SERVER_ID, LEGIT)
            } else {
                b
            }
        };
        let client =
            |b: MessageBuilder| udp_frame(&UdpEndpoints::client_broadcast(LAPTOP), &[], &b.build());
        let ack = MessageBuilder::reply(0x1a2b_3c4d, LAPTOP)
            .message_type(MessageType::ACK)
            .yiaddr(Ipv4Addr::new(10, 0, 0, 101))
            .option_ip(opt::SERVER_ID, LEGIT)
            .option_u32(opt::LEASE_TIME, 120)
            .build();
        let discover = craft::build_message(
            &plan.crafting,
            &MessageFields {
                msg_type: MessageType::DISCOVER,
                xid: PROBE_XID,
                secs: 0,
                ciaddr: Ipv4Addr::UNSPECIFIED,
                requested_ip: None,
                server_id: None,
            },
        );
        let route = Route::broadcast(plan.crafting.mac, Ipv4Addr::UNSPECIFIED);
        let mac = plan.crafting.mac;
        vec![
            (ts(0.0), client(laptop(MessageType::DISCOVER))),
            (
                ts(1.1),
                from_server(
                    LEGIT_MAC,
                    LEGIT,
                    &offer(0x1a2b_3c4d, LAPTOP, LEGIT, Ipv4Addr::new(10, 0, 0, 101)),
                ),
            ),
            (ts(2.0), client(laptop(MessageType::REQUEST))),
            (ts(3.2), from_server(LEGIT_MAC, LEGIT, &ack)),
            (ts(10_000.0), craft::build_frame(&route, &[], &discover)),
            (
                ts(10_000.5),
                from_server(
                    ROGUE_MAC,
                    ROGUE,
                    &offer(PROBE_XID, mac, ROGUE, Ipv4Addr::new(192, 168, 66, 17)),
                ),
            ),
            (
                ts(10_003.9),
                from_server(
                    LEGIT_MAC,
                    LEGIT,
                    &offer(PROBE_XID, mac, LEGIT, Ipv4Addr::new(10, 0, 0, 140)),
                ),
            ),
        ]
    }

    /// The frames as the live reader would batch them, one packet per batch.
    fn batches(name: &str, frames: &[(Timestamp, Vec<u8>)]) -> Vec<Batch> {
        let path: PathBuf = std::env::temp_dir().join(format!(
            "dhcpscope-probe-view-{name}-{}.pcap",
            std::process::id()
        ));
        let mut w = PcapWriter::new(std::fs::File::create(&path).unwrap()).unwrap();
        for (t, f) in frames {
            w.write_frame(*t, f).unwrap();
        }
        drop(w);
        let mut source = dhcpscope::source::FileSource::open(&path).unwrap();
        let opts = ReadOptions {
            keep_frames: true,
            batch_packets: 1,
            ..ReadOptions::default()
        };
        let mut out = Vec::new();
        reader::read_batches(&mut source, &opts, &Control::default(), |b| {
            if !b.is_empty() {
                out.push(b);
            }
            true
        });
        let _ = std::fs::remove_file(&path);
        out
    }

    /// The probe session's verdict on this traffic (what the probe thread sends back).
    fn outcome(plan: &Plan, frames: &[(Timestamp, Vec<u8>)]) -> ProbeOutcome {
        // The fake link's first xid is PROBE_XID; the replies follow the DISCOVER as they
        // do in the capture.
        assert_eq!(PROBE_XID, dhcpscope::probe::fake::FIRST_XID);
        let mut link = FakeLink::default();
        let sent = frames[4].0.as_nanos();
        for (t, f) in &frames[5..] {
            let after = std::time::Duration::from_nanos((t.as_nanos() - sent) as u64);
            link.inject(after, f.clone());
        }
        let mut session = Session::new(plan.clone(), link);
        dhcpscope::tui::probe::run_probe(&mut session, plan.clone()).unwrap()
    }

    #[test]
    fn form_80x24_and_submit_returns_the_probe_command() {
        let mut m = live_model((80, 24));
        assert!(key(&mut m, KeyCode::Char('p')).is_empty());
        assert!(m.probe.open);
        // The view's expected server is the form's default.
        assert_eq!(m.probe.form.expect, "10.0.0.1");
        insta::assert_snapshot!("probe_form_80x24", render(&m).backend());

        // Mode → init-reboot, hostname, an extra option, a second expected server.
        key(&mut m, KeyCode::Right);
        key(&mut m, KeyCode::Right);
        assert_eq!(m.probe.form.mode, Mode::InitReboot);
        key(&mut m, KeyCode::Down);
        key(&mut m, KeyCode::Down);
        assert_eq!(m.probe.form.field, Field::Hostname);
        type_text(&mut m, "probe-host");
        key(&mut m, KeyCode::Tab);
        type_text(&mut m, "10.0.0.77");
        for _ in 0..3 {
            key(&mut m, KeyCode::Down);
        }
        assert_eq!(m.probe.form.field, Field::Options);
        type_text(&mut m, "60=str:lab 57=1400");
        key(&mut m, KeyCode::Down);
        type_text(&mut m, ", 02:53:00:00:00:02");
        insta::assert_snapshot!("probe_form_filled_80x24", render(&m).backend());

        // A bad value: no command, the form stays open and says why.
        key(&mut m, KeyCode::Up);
        type_text(&mut m, " 300=1");
        assert!(key(&mut m, KeyCode::Enter).is_empty());
        assert!(m.probe.open);
        let err = m.probe.form.error.clone().unwrap();
        assert!(err.contains("CODE must be 1-254"), "{err}");
        let screen = text(render(&m).backend().buffer());
        assert!(screen.contains("CODE must be 1-254"), "{screen}");
        for _ in 0..6 {
            key(&mut m, KeyCode::Backspace);
        }

        // Enter: one Probe command with the plan, checked as `dhcpscope probe` checks it.
        let cmds = key(&mut m, KeyCode::Enter);
        assert!(!m.probe.open);
        let [Cmd::Probe(plan)] = cmds.as_slice() else {
            panic!("expected one probe command: {cmds:?}");
        };
        assert_eq!(plan.interface, "eth0");
        assert_eq!(plan.modes, [Mode::InitReboot]);
        assert_eq!(plan.crafting.mac, craft::DEFAULT_MAC);
        assert_eq!(plan.crafting.hostname.as_deref(), Some(&b"probe-host"[..]));
        assert_eq!(plan.requested_ip, Some(Ipv4Addr::new(10, 0, 0, 77)));
        assert_eq!(plan.crafting.extra.len(), 2);
        assert_eq!(plan.expectations.servers.len(), 2);
        assert_eq!(
            m.probe.running.as_deref(),
            Some("init-reboot on eth0 as 02:44:48:43:50:01")
        );
        assert_eq!(header_rows(&m), 3);

        // One probe at a time: a second Enter says so and sends nothing.
        key(&mut m, KeyCode::Char('p'));
        assert!(key(&mut m, KeyCode::Enter).is_empty());
        assert!(
            m.probe
                .form
                .error
                .as_deref()
                .unwrap()
                .contains("already running"),
            "{:?}",
            m.probe.form.error
        );
        key(&mut m, KeyCode::Esc);
        assert!(!m.probe.open);
        // Its verdict frees the form.
        update(
            &mut m,
            Msg::ProbeDone(Err("sending on eth0 failed: gone".into())),
        );
        assert!(m.probe.running.is_none());
        let screen = text(render(&m).backend().buffer());
        assert!(
            screen.contains(" probe  failed: sending on eth0 failed"),
            "{screen}"
        );
    }

    #[test]
    fn file_mode_form_says_probes_need_a_live_interface() {
        let mut m = model(SHOWCASE, expect_legit(), (80, 24));
        key(&mut m, KeyCode::Char('p'));
        assert!(m.probe.open);
        let t = render(&m);
        insta::assert_snapshot!("probe_form_unavailable_80x24", t.backend());
        let screen = text(t.backend().buffer());
        assert!(
            screen.contains("probes need a live interface (-i)"),
            "{screen}"
        );
        // Enter injects nothing.
        assert!(key(&mut m, KeyCode::Enter).is_empty());
        assert!(m.probe.running.is_none());
        key(&mut m, KeyCode::Esc);
        assert!(!m.probe.open);
        // The command, if it ever came, would not find a probe thread.
        let mut m = live_model((80, 24));
        key(&mut m, KeyCode::Char('p'));
        let cmds = key(&mut m, KeyCode::Enter);
        run_cmds(&mut m, cmds, &Control::default(), None, &mut None);
        assert!(
            matches!(&m.probe.last, Some(Err(e)) if e.contains("not running")),
            "{:?}",
            m.probe.last
        );
    }

    #[test]
    fn probe_replies_are_marked_and_the_verdict_is_in_the_header() {
        let mut m = live_model((100, 30));
        let plan = m.probe.form.plan("eth0", &m.analysis.expectations).unwrap();
        let frames = traffic(&plan);
        let mut batches = batches("marked", &frames).into_iter();
        // The laptop's DORA first.
        for b in batches.by_ref().take(4) {
            update(&mut m, Msg::Packets(b));
        }
        // p, Enter: the default discover goes to the probe thread.
        key(&mut m, KeyCode::Char('p'));
        let cmds = key(&mut m, KeyCode::Enter);
        assert!(matches!(cmds.as_slice(), [Cmd::Probe(_)]), "{cmds:?}");
        // The probe thread announces its xid, then the capture brings its frames.
        update(&mut m, Msg::ProbeXid(PROBE_XID));
        for b in batches {
            update(&mut m, Msg::Packets(b));
        }
        // The probe's client is selected, its latest message in view.
        assert_eq!(
            m.selected_client().unwrap().mac_string(),
            "02:44:48:43:50:01"
        );
        let screen = text(render(&m).backend().buffer());
        assert!(
            screen.contains("discover on eth0 as 02:44:48:43:50:01: waiting for replies…"),
            "{screen}"
        );
        update(&mut m, Msg::ProbeDone(Ok(outcome(&plan, &frames))));
        let t = render(&m);
        insta::assert_snapshot!("probe_timeline_100x30", t.backend());
        let buf = t.backend().buffer();
        let screen = text(buf);
        // The verdict in the header, its status word red.
        let y = find_row(buf, "DHCP CRITICAL - unexpected server 192.168.66.1").expect("verdict");
        assert_eq!(y, 2, "{screen}");
        let (x, y) = cell_of(buf, y, "DHCP CRITICAL").unwrap();
        assert_eq!(buf[(x, y)].fg, Color::Red);
        let Some(Ok(o)) = &m.probe.last else {
            panic!("no verdict")
        };
        assert!(
            o.status_line
                .ends_with("| servers=2 offers=2 acks=0 naks=0 sent=1 latency_ms=0.5"),
            "{}",
            o.status_line
        );
        assert!(
            screen.contains("probe CRITICAL: the verdict is in the header"),
            "{screen}"
        );
        // The probe's client row is tagged; the laptop's is not.
        let y = find_row(buf, "02:44:48:43:50:01 probe").expect("tagged client row");
        let (x, y) = cell_of(buf, y, "probe").unwrap();
        assert_eq!(buf[(x, y)].fg, Color::Blue);
        let y = find_row(buf, "02:10:00:00:00:01").unwrap();
        let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        assert!(!row.contains("probe"), "{row}");
        // Its messages are marked: the DISCOVER and both OFFERs.
        for s in [
            "├─ probe DISCOVER",
            "◀─ probe OFFER 192.168.66.17 · 0.5 ms",
            "◀─ probe OFFER 10.0.0.140 · 3.9 ms",
        ] {
            let y = find_row(buf, s).unwrap_or_else(|| panic!("no {s:?}:\n{screen}"));
            let (x, y) = cell_of(buf, y, "probe").unwrap();
            assert_eq!(buf[(x, y)].fg, Color::Blue, "{s}");
        }
        // The form shows the whole report under its fields.
        key(&mut m, KeyCode::Char('p'));
        let t = render(&m);
        insta::assert_snapshot!("probe_form_report_100x30", t.backend());
        let screen = text(t.backend().buffer());
        assert!(screen.contains("── last probe"), "{screen}");
        assert!(screen.contains("UNEXPECTED"), "{screen}");
        // Moving in the list stops tracking the probe client.
        key(&mut m, KeyCode::Esc);
        key(&mut m, KeyCode::Up);
        assert!(m.probe.track.is_none());
        assert_eq!(
            m.selected_client().unwrap().mac_string(),
            "02:10:00:00:00:01"
        );
    }

    #[test]
    fn probe_view_without_colour() {
        let mut m = live_model((100, 30));
        m.color = false;
        let plan = m.probe.form.plan("eth0", &m.analysis.expectations).unwrap();
        let frames = traffic(&plan);
        key(&mut m, KeyCode::Char('p'));
        key(&mut m, KeyCode::Enter);
        update(&mut m, Msg::ProbeXid(PROBE_XID));
        for b in batches("nocolor", &frames) {
            update(&mut m, Msg::Packets(b));
        }
        update(&mut m, Msg::ProbeDone(Ok(outcome(&plan, &frames))));
        for open in [false, true] {
            if open {
                key(&mut m, KeyCode::Char('p'));
            }
            let t = render(&m);
            let buf = t.backend().buffer();
            for cell in &buf.content {
                assert_eq!(cell.fg, Color::Reset, "{:?}", cell);
                assert_eq!(cell.bg, Color::Reset, "{:?}", cell);
            }
        }
    }
}

#[test]
fn w_writes_the_selected_clients_frames() {
    let mut m = model(SHOWCASE, expect_legit(), (120, 35));
    // The second client, 02:10:00:00:00:22.
    keys(&mut m, SHOWCASE, &[KeyCode::Down, KeyCode::Char('w')]);
    assert_eq!(
        m.export_input.as_deref(),
        Some("dhcpscope-021000000022.pcap")
    );
    let screen = format!("{:?}", render(&m).backend());
    assert!(screen.contains("write frames of 02:10:00:00:00:22 to: dhcpscope-021000000022.pcap"));
    let out = std::env::temp_dir().join(format!("dhcpscope-w-{}.pcap", std::process::id()));
    let name = out.display().to_string();
    let mut typed = vec![KeyCode::Backspace; "dhcpscope-021000000022.pcap".len()];
    typed.extend(chars(&name));
    typed.push(KeyCode::Enter);
    keys(&mut m, SHOWCASE, &typed);
    assert_eq!(m.export_input, None);
    assert!(m.status.starts_with("6 frames written to"), "{}", m.status);
    // Frames 6-11 of the source, byte for byte.
    let read = |p: &Path| {
        let mut src = dhcpscope::source::FileSource::open(p).unwrap();
        let mut v = Vec::new();
        while let Some(f) = src.next_frame().unwrap() {
            v.push((f.number, f.data.to_vec()));
        }
        v
    };
    let source: Vec<Vec<u8>> = read(Path::new(SHOWCASE))
        .into_iter()
        .filter(|(n, _)| (6..=11).contains(n))
        .map(|(_, d)| d)
        .collect();
    let written: Vec<Vec<u8>> = read(&out).into_iter().map(|(_, d)| d).collect();
    assert_eq!(written, source);
    let _ = std::fs::remove_file(&out);
    // Esc cancels.
    keys(&mut m, SHOWCASE, &[KeyCode::Char('w'), KeyCode::Esc]);
    assert_eq!(m.export_input, None);
    assert_eq!(m.status, "export cancelled");
}

#[test]
fn addresses_view_and_jump_to_the_holder() {
    let mut m = model(SHOWCASE, expect_legit(), (120, 35));
    keys(&mut m, SHOWCASE, &[KeyCode::Char('4')]);
    assert_eq!(m.screen, Screen::Addresses);
    let screen = text(render(&m).backend().buffer());
    // The scenario's holders (captures/README.md): :21 released 10.0.0.131, :22 took the
    // rogue's 192.168.66.18, :23 holds 10.0.0.133.
    for row in [
        ("10.0.0.131", "02:10:00:00:00:21", "release", "10.0.0.1"),
        ("10.0.0.133", "02:10:00:00:00:23", "expiry", "10.0.0.1"),
        (
            "192.168.66.18",
            "02:10:00:00:00:22",
            "expiry",
            "192.168.66.1",
        ),
    ] {
        assert!(
            screen.lines().any(|l| l.contains(row.0)
                && l.contains(row.1)
                && l.contains(row.2)
                && l.contains(row.3)),
            "{row:?} in\n{screen}"
        );
    }
    keys(
        &mut m,
        SHOWCASE,
        &[KeyCode::Down, KeyCode::Down, KeyCode::Enter],
    );
    assert_eq!(m.screen, Screen::Clients);
    assert_eq!(
        m.selected_client().unwrap().mac_string(),
        "02:10:00:00:00:22"
    );
}

#[test]
fn colon_goes_to_a_frame() {
    let mut m = model(SHOWCASE, expect_legit(), (120, 35));
    // Frame 13 is the legit NAK to :23's INIT-REBOOT (captures/README.md).
    keys(&mut m, SHOWCASE, &[KeyCode::Char(':')]);
    keys(&mut m, SHOWCASE, &chars("13"));
    let screen = format!("{:?}", render(&m).backend());
    assert!(screen.contains("go to frame: 13"), "{screen}");
    keys(&mut m, SHOWCASE, &[KeyCode::Enter]);
    assert_eq!(
        m.selected_client().unwrap().mac_string(),
        "02:10:00:00:00:23"
    );
    let r = m.selected_message().unwrap();
    assert_eq!((r.frame, r.type_name().as_ref()), (13, "NAK"));
    assert_eq!(m.status, "frame 13");
    // A hidden client is shown: the filter is cleared.
    keys(
        &mut m,
        SHOWCASE,
        &[KeyCode::Esc, KeyCode::Esc, KeyCode::Char('/')],
    );
    keys(&mut m, SHOWCASE, &chars("kind:inform"));
    keys(&mut m, SHOWCASE, &[KeyCode::Enter, KeyCode::Char(':')]);
    keys(&mut m, SHOWCASE, &chars("2"));
    keys(&mut m, SHOWCASE, &[KeyCode::Enter]);
    assert_eq!(
        m.selected_client().unwrap().mac_string(),
        "02:10:00:00:00:21"
    );
    assert_eq!(m.selected_message().unwrap().frame, 2);
    keys(&mut m, SHOWCASE, &[KeyCode::Char(':')]);
    keys(&mut m, SHOWCASE, &chars("999"));
    keys(&mut m, SHOWCASE, &[KeyCode::Enter]);
    assert_eq!(m.status, "frame 999 is no DHCP message of any client");
}
