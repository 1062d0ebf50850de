#!/bin/sh
# Make sure headless Chromium (Debian's `chromium` package) is installed, for the browser test
# (tests/report_browser.rs) and CI. Prints the browser's path on success; exits 1 when it is
# missing and cannot be installed (not root, or no apt-get), with the reason on stderr.
set -u
for c in "${CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$c" ] && [ -x "$c" ]; then
        echo "$c"
        exit 0
    fi
done
if [ "$(id -u)" != "0" ]; then
    echo "chromium is not installed and this is not root: cannot apt-get install it" >&2
    exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium is not installed and there is no apt-get" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "installing chromium (apt-get install -y --no-install-recommends chromium)" >&2
if ! apt-get install -y --no-install-recommends chromium >&2; then
    apt-get update >&2 && apt-get install -y --no-install-recommends chromium >&2 || {
        echo "apt-get could not install chromium" >&2
        exit 1
    }
fi
if [ -x /usr/bin/chromium ]; then
    echo /usr/bin/chromium
    exit 0
fi
echo "chromium was installed but /usr/bin/chromium is missing" >&2
exit 1
