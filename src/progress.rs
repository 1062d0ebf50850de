//! Progress of long work, reported as it goes: the library calls a [`Progress`]; the command line
//! draws a bar on a terminal and prints a line per tenth otherwise ([`Terminal`]); the Python
//! binding forwards to a notebook's progress bar.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

/// What long work reports. Calls may come from several threads at once.
pub trait Progress: Sync {
    /// `total` units of work are about to run (`what` names them, e.g. "runs").
    fn start(&self, total: usize, what: &str);
    /// One unit finished.
    fn advance(&self);
    /// A line to show (between bars, not inside one).
    fn say(&self, line: &str);
    /// Where the work stands, in a line (shown beside the bar, or with the next report).
    fn status(&self, _line: &str) {}
    /// The work ended (finished or stopped).
    fn finish(&self);
}

/// Progress that shows nothing.
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: usize, _: &str) {}
    fn advance(&self) {}
    fn say(&self, _: &str) {}
    fn finish(&self) {}
}

/// Progress on standard error: a bar on a terminal; otherwise (a log file, a batch job) a line at
/// each tenth of the work with the rate and the time left.
pub struct Terminal {
    bar: std::sync::Mutex<Option<ProgressBar>>,
    plain: bool,
    total: AtomicUsize,
    done: AtomicUsize,
    started: std::sync::Mutex<Instant>,
    what: std::sync::Mutex<String>,
    status: std::sync::Mutex<String>,
}

impl Default for Terminal {
    fn default() -> Self {
        Terminal {
            bar: std::sync::Mutex::new(None),
            plain: !std::io::stderr().is_terminal(),
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            started: std::sync::Mutex::new(Instant::now()),
            what: std::sync::Mutex::new(String::new()),
            status: std::sync::Mutex::new(String::new()),
        }
    }
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Progress for Terminal {
    fn start(&self, total: usize, what: &str) {
        self.total.store(total, Ordering::SeqCst);
        self.done.store(0, Ordering::SeqCst);
        *lock(&self.started) = Instant::now();
        *lock(&self.what) = what.to_string();
        if !self.plain {
            let b = ProgressBar::new(total as u64);
            let template =
                format!("{{bar:40}} {{pos}}/{{len}} {what}  {{per_sec}}  elapsed {{elapsed}}  ETA {{eta}}\n{{msg}}");
            if let Ok(style) = ProgressStyle::with_template(&template) {
                b.set_style(style);
            }
            *lock(&self.bar) = Some(b);
        }
    }

    fn advance(&self) {
        if let Some(b) = lock(&self.bar).as_ref() {
            b.inc(1);
        }
        let n = self.done.fetch_add(1, Ordering::SeqCst) + 1;
        let total = self.total.load(Ordering::SeqCst);
        let step = (total / 10).max(1);
        if self.plain && (n.is_multiple_of(step) || n == total) {
            let secs = lock(&self.started).elapsed().as_secs_f64();
            let rate = n as f64 / secs.max(1e-9);
            let what = lock(&self.what).clone();
            let status = lock(&self.status).clone();
            eprintln!(
                "  {n}/{total} {what} ({:.0}%)  {rate:.1} {what}/s  ETA {:.0} s{}",
                100.0 * n as f64 / total.max(1) as f64,
                total.saturating_sub(n) as f64 / rate,
                if status.is_empty() { String::new() } else { format!("  [{status}]") }
            );
        }
    }

    fn say(&self, line: &str) {
        match lock(&self.bar).as_ref() {
            Some(b) => b.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn status(&self, line: &str) {
        match lock(&self.bar).as_ref() {
            Some(b) => b.set_message(line.to_string()),
            None => *lock(&self.status) = line.to_string(),
        }
    }

    fn finish(&self) {
        if let Some(b) = lock(&self.bar).take() {
            b.finish_and_clear();
        }
        lock(&self.status).clear();
    }
}
