//! `harness report` end to end, checked in a real browser: a small grid sweep (2 x 2
//! configurations x 3 replicates, 20 training and 10 test presentations with checkpoints after 5
//! and 10, held-out sampling) in a
//! temporary directory, its report, then headless Chromium (Debian's `chromium`, installed by
//! tests/browser/ensure-chromium.sh when missing and running as root):
//!
//! - a screenshot, kept as a test artifact at `$CARGO_TARGET_TMPDIR/report-screenshot.png`;
//! - the DOM after loading (`--dump-dom`) holds every figure and the table, and Chromium's log
//!   (`--enable-logging=stderr`) has no console message: Chromium prints every console message,
//!   uncaught errors and failed loads included, as `...:INFO:CONSOLE:<line>] "<message>", source:
//!   <url> (<line>)`, which a deliberately broken page checks first.
//!
//! Without a browser that can be installed, the test says SKIPPED and passes.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::harness_ok;

fn sweep() -> String {
    common::sweep_file(
        "report-browser",
        11,
        3,
        20,
        10,
        "classes = [0, 1]\ncheckpoints = [5, 10]\n",
        "c_inp = [0.1, 0.2]\nlr = [0.025, 0.05]\n",
    )
}

/// The ids the report must hold.
fn expected_ids() -> Vec<String> {
    let mut ids: Vec<String> = [
        "summary-table",
        "manifest",
        "fig-ci-c_inp",
        "fig-ci-lr",
        "fig-heat-c_inp-lr",
        "fig-best-distribution",
        "fig-learning-curves",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    ids.extend(harness::plot::FIGURES.iter().map(|f| format!("fig-best-run-{}", f.name)));
    ids
}

/// The browser, installed if need be; `None` (with the reason printed) when there is none.
fn chromium() -> Option<PathBuf> {
    let script = common::root().join("tests/browser/ensure-chromium.sh");
    let out = Command::new("sh").arg(&script).output().expect("run ensure-chromium.sh");
    if !out.status.success() {
        eprintln!(
            "SKIPPED: report_browser: no headless Chromium ({})",
            String::from_utf8_lossy(&out.stderr).trim().lines().last().unwrap_or("unknown reason")
        );
        return None;
    }
    Some(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim().to_string()))
}

/// Run headless Chromium on `url` with `extra` arguments and a fresh profile.
fn browse(browser: &Path, profile: &Path, extra: &[String], url: &str) -> Output {
    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(format!("--user-data-dir={}", profile.display()));
    args.extend(extra.iter().cloned());
    args.push(url.to_string());
    Command::new(browser).args(&args).output().expect("run chromium")
}

/// Console messages and uncaught errors in Chromium's log.
fn console_lines(stderr: &str) -> Vec<String> {
    stderr.lines().filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught")).map(String::from).collect()
}

fn url(path: &Path) -> String {
    format!("file://{}", path.canonicalize().expect("an existing file").display())
}

#[test]
fn report_opens_in_headless_chromium() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("sweep.toml"), sweep()).unwrap();
    harness_ok(dir, &["sweep", "sweep.toml", "--out", "results", "--threads", "2"]);
    let out = harness_ok(dir, &["report", "results"]);
    assert!(out.stdout.contains("report.html"));
    let report = dir.join("results/report.html");
    let html = std::fs::read_to_string(&report).unwrap();

    // The page: every figure with its caption, the table with every configuration, nothing external.
    for id in expected_ids() {
        assert!(html.contains(&format!("id=\"{id}\"")), "report.html lacks id {id}");
    }
    assert_eq!(html.matches("<figure ").count(), html.matches("<figcaption>").count());
    assert_eq!(html.matches("<figure ").count(), expected_ids().len() - 2);
    let table = &html[html.find("id=\"summary-table\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("<tr>").count(), 1 + 4, "a header and 4 configurations");
    assert_eq!(html.matches("<svg").count(), 5, "2 CI figures, 1 heat map, 1 distribution, 1 learning curve");
    assert_eq!(html.matches("src=\"data:image/png;base64,").count(), harness::plot::FIGURES.len());
    for external in ["<script", "<link", "src=\"http", "href=\"http", "@import", "url("] {
        assert!(!html.contains(external), "report.html holds {external:?}");
    }

    let Some(browser) = chromium() else { return };

    // What this Chromium prints for console errors: a broken page must be caught.
    let broken = dir.join("broken.html");
    std::fs::write(
        &broken,
        "<html><body><p id=\"x\">x</p><script>console.error('deliberate'); nope();</script></body></html>",
    )
    .unwrap();
    let b = browse(&browser, &dir.join("profile-broken"), &["--dump-dom".into()], &url(&broken));
    let log = String::from_utf8_lossy(&b.stderr);
    let lines = console_lines(&log);
    assert!(
        lines.iter().any(|l| l.contains("deliberate")) && lines.iter().any(|l| l.contains("Uncaught")),
        "this Chromium does not report console errors as expected; its log:\n{log}"
    );

    // The screenshot, kept as an artifact.
    let shot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("report-screenshot.png");
    let _ = std::fs::remove_file(&shot);
    let s = browse(
        &browser,
        &dir.join("profile-shot"),
        &[format!("--screenshot={}", shot.display()), "--window-size=1280,4000".into()],
        &url(&report),
    );
    let bytes = std::fs::read(&shot).unwrap_or_else(|e| {
        panic!("no screenshot at {} ({e}); chromium's log:\n{}", shot.display(), String::from_utf8_lossy(&s.stderr))
    });
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "the screenshot is a PNG");
    let (w, h) =
        (u32::from_be_bytes(bytes[16..20].try_into().unwrap()), u32::from_be_bytes(bytes[20..24].try_into().unwrap()));
    assert_eq!((w, h), (1280, 4000), "the screenshot's size");
    assert!(bytes.len() > 50_000, "a screenshot of {} bytes is too small to show the report", bytes.len());
    eprintln!("screenshot: {} ({} bytes)", shot.display(), bytes.len());

    // The DOM as loaded, and the console.
    let d = browse(&browser, &dir.join("profile-dom"), &["--dump-dom".into()], &url(&report));
    let dom = String::from_utf8_lossy(&d.stdout);
    let log = String::from_utf8_lossy(&d.stderr);
    assert!(d.status.success(), "chromium --dump-dom failed:\n{log}");
    for id in expected_ids() {
        assert!(dom.contains(&format!("id=\"{id}\"")), "the loaded page lacks id {id}");
    }
    assert!(dom.contains("<table id=\"summary-table\">"), "the loaded page lacks the table");
    let console = console_lines(&log);
    assert!(console.is_empty(), "console messages while loading the report:\n{}", console.join("\n"));
}
