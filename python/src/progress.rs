//! Work on another thread with the GIL released, its progress shown and Ctrl-C checked from the
//! calling thread.

use super::*;

/// How often the calling thread checks for Ctrl-C and redraws the progress bar while work runs
/// without the GIL.
const POLL: Duration = Duration::from_millis(100);

/// Progress of work on other threads, kept in atomics for the calling thread to show: the
/// library's [`Progress`] calls come from the pool's threads, which never touch Python.
#[derive(Default)]
struct Counter {
    total: AtomicUsize,
    done: AtomicUsize,
    /// `what` of `start`, until the calling thread has shown it.
    started: Mutex<Option<String>>,
    lines: Mutex<Vec<String>>,
    /// The latest status line, until the calling thread has shown it.
    status: Mutex<Option<String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Progress for Counter {
    fn start(&self, total: usize, what: &str) {
        self.total.store(total, Ordering::SeqCst);
        self.done.store(0, Ordering::SeqCst);
        *lock(&self.started) = Some(what.to_string());
    }

    fn advance(&self) {
        self.done.fetch_add(1, Ordering::SeqCst);
    }

    fn say(&self, line: &str) {
        lock(&self.lines).push(line.to_string());
    }

    fn status(&self, line: &str) {
        *lock(&self.status) = Some(line.to_string());
    }

    // The calling thread closes the bar once the work has returned (tables written).
    fn finish(&self) {}
}

/// The Python object that shows progress (a `harness.Progress`: `start(total, what)`,
/// `update(done)`, `status(line)` for where the work stands, `say(line)` for what a progress
/// display shows, `note(line)` for notes and warnings shown even without one, `close()`), driven
/// from the calling thread only.
pub(crate) struct Shown<'py> {
    bar: Bound<'py, PyAny>,
    started: bool,
    done: usize,
}

impl<'py> Shown<'py> {
    pub(crate) fn new(bar: &Bound<'py, PyAny>) -> Shown<'py> {
        Shown { bar: bar.clone(), started: false, done: 0 }
    }

    pub(crate) fn say(&self, line: &str) -> PyResult<()> {
        self.bar.call_method1("say", (line,)).map(drop)
    }

    pub(crate) fn note(&self, line: &str) -> PyResult<()> {
        self.bar.call_method1("note", (line,)).map(drop)
    }

    /// Show what the counter has that is not shown yet.
    fn forward(&mut self, c: &Counter) -> PyResult<()> {
        for line in std::mem::take(&mut *lock(&c.lines)) {
            self.say(&line)?;
        }
        if let Some(what) = lock(&c.started).take() {
            self.bar.call_method1("start", (c.total.load(Ordering::SeqCst), what))?;
            self.started = true;
            self.done = 0;
        }
        if let Some(line) = lock(&c.status).take() {
            self.bar.call_method1("status", (line,))?;
        }
        let done = c.done.load(Ordering::SeqCst);
        if self.started && done != self.done {
            self.bar.call_method1("update", (done,))?;
            self.done = done;
        }
        Ok(())
    }

    fn close(&self) -> PyResult<()> {
        self.bar.call_method0("close").map(drop)
    }
}

/// Set once the work has returned (or unwound): what the calling thread waits on.
#[derive(Default)]
struct Ended {
    flag: Mutex<bool>,
    cv: Condvar,
}

impl Ended {
    fn set(&self) {
        *lock(&self.flag) = true;
        self.cv.notify_all();
    }

    /// Wait at most `timeout` for the end; whether it came.
    fn wait(&self, timeout: Duration) -> bool {
        let guard = lock(&self.flag);
        let (guard, _) = self.cv.wait_timeout_while(guard, timeout, |ended| !*ended).unwrap_or_else(|e| e.into_inner());
        *guard
    }
}

struct SetOnDrop<'a>(&'a Ended);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.set();
    }
}

/// Run `work` on a thread of its own with the GIL released, while this thread shows its progress
/// and checks for Ctrl-C every [`POLL`]. A KeyboardInterrupt (or an error of the progress object)
/// sets `stop`: the work finishes what is in flight and returns (a sweep writes its tables), and
/// the error comes back beside the work's result for the caller to raise. A second Ctrl-C while
/// the runs in flight finish is absorbed: what finished is being written.
pub(crate) fn drive<T: Send>(
    py: Python<'_>,
    shown: &mut Shown<'_>,
    work: impl FnOnce(&AtomicBool, &dyn Progress) -> T + Send,
) -> (PyResult<T>, Option<PyErr>) {
    let stop = AtomicBool::new(false);
    let counter = Counter::default();
    let ended = Ended::default();
    let mut first_error: Option<PyErr> = None;
    let joined = std::thread::scope(|s| {
        let worker = s.spawn(|| {
            let _end = SetOnDrop(&ended);
            work(&stop, &counter)
        });
        loop {
            let finished = py.detach(|| ended.wait(POLL));
            let mut error = shown.forward(&counter).err();
            if error.is_none() {
                error = py.check_signals().err();
            }
            if let Some(e) = error
                && first_error.is_none()
            {
                stop.store(true, Ordering::SeqCst);
                if e.is_instance_of::<pyo3::exceptions::PyKeyboardInterrupt>(py) {
                    let _ = shown.note("interrupt: finishing the runs in flight, then writing tables");
                }
                first_error = Some(e);
            }
            if finished {
                break;
            }
        }
        worker.join()
    });
    let _ = shown.forward(&counter);
    if shown.started
        && let Err(e) = shown.close()
        && first_error.is_none()
    {
        first_error = Some(e);
    }
    let result = joined.map_err(|panic| {
        let msg = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        PanicException::new_err(msg)
    });
    (result, first_error)
}
