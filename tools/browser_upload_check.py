"""The "My footage" uploader in a real browser (headless Chromium over the DevTools protocol).

usage: python browser_upload_check.py BASE_URL      (run by tools/ui-check against `custody demo`)

Signs in as the demo officer, builds a 36 MB clip in the page (a sample clip of the officer's
plus a unique `free` box), and uploads it through the page's own file input with the upload
throttled to 4 MB/s. Part-way it reloads the page (the request in flight dies), checks that the
page lists the unfinished upload, hands it the same file again and checks that it continues
from the stored offset rather than from 0; then it takes the browser offline until the page
says it is retrying, goes online again, and waits for "Stored" with the file's SHA-256.
"""
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # websocket-client

BASE = sys.argv[1].rstrip("/")
MB = 1024 * 1024


class Browser:
    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.profile = tempfile.mkdtemp(prefix="custody-cdp-")
        self.proc = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--no-first-run", f"--remote-debugging-port={self.port}",
             f"--user-data-dir={self.profile}", "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{self.port}/json/list", timeout=1))
                page = next(t for t in targets if t["type"] == "page")
                break
            except (OSError, StopIteration):
                time.sleep(0.2)
        else:
            raise SystemExit("chromium's DevTools endpoint did not come up")
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60)
        self.next_id = 0

    def send(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def js(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait(self, expression, what, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                value = self.js(expression)
                if value:
                    return value
            except RuntimeError:
                pass  # the page is between documents
            time.sleep(0.2)
        raise SystemExit(f"browser-upload: timed out waiting for {what}")

    def close(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


def main():
    nonce = secrets.token_hex(16)
    name = f"J0012345_012345_20240214084900_9{nonce[:3]}.mp4"
    browser = Browser()
    ok = []
    try:
        browser.send("Page.enable")
        browser.send("Network.enable")
        browser.send("Page.navigate", url=f"{BASE}/demo-login?user=officer&lang=en&next=/my")
        browser.wait("location.pathname === '/my' && document.readyState === 'complete' && !!document.getElementById('files')", "the My footage page")
        # Upload at 4 MB/s so there is time to interrupt it.
        browser.send("Network.emulateNetworkConditions", offline=False, latency=0, downloadThroughput=-1, uploadThroughput=4 * MB)
        make_file = f"""
            (async () => {{
              const row = [...document.querySelectorAll('tr')].find(r => r.textContent.includes('J0012345_012345_20240214084900_0001'));
              const sha = row.querySelector('a[href^="/clips/"]').getAttribute('href').split('/').pop();
              const clip = await (await fetch('/api/clips/' + sha + '/media')).arrayBuffer();
              const box = new Uint8Array(36 * 1024 * 1024);
              new DataView(box.buffer).setUint32(0, box.length);
              box.set([102, 114, 101, 101], 4);
              box.set(new TextEncoder().encode('{nonce}'), 8);
              window.__file = new File([clip, box], '{name}', {{ lastModified: 1707900000000 }});
              const digest = await crypto.subtle.digest('SHA-256', await window.__file.arrayBuffer());
              window.__sha = [...new Uint8Array(digest)].map(b => b.toString(16).padStart(2, '0')).join('');
              const dt = new DataTransfer();
              dt.items.add(window.__file);
              const input = document.getElementById('files');
              input.files = dt.files;
              input.dispatchEvent(new Event('change'));
              return [window.__file.size, window.__sha];
            }})()"""
        size, sha = browser.js(make_file)
        upload = f"(async () => (await (await fetch('/api/uploads')).json()).uploads.filter(u => u.filename === '{name}'))()"
        first = browser.wait(f"(async () => {{ const u = await {upload}; return u.length && u[0].offset >= {8 * MB} ? u : null; }})()",
                             "the first 8 MB chunk to be stored", timeout=60)
        print(f"ok    the page uploads {size} bytes in chunks: {first[0]['offset']} stored before the reload")

        # A reload kills the request in flight; the page lists the unfinished upload.
        browser.send("Page.reload")
        browser.wait(f"document.readyState === 'complete' && document.getElementById('unfinished') && document.getElementById('unfinished').textContent.includes('{name}')",
                     "the reloaded page to list the unfinished upload")
        print("ok    after a reload the page lists the unfinished upload")
        offset_before = browser.js(upload)[0]["offset"]
        size2, sha2 = browser.js(make_file)  # the same file, chosen again
        assert (size2, sha2) == (size, sha)
        # It continues from the stored offset: the same upload, never back to 0.
        progressed = browser.wait(f"(async () => {{ const u = await {upload}; return u.length === 1 && u[0].offset > {offset_before} ? u[0].offset : null; }})()",
                                  "the upload to continue after the reload")
        print(f"ok    the same upload continued from {offset_before} (now {progressed}); no second upload was created")

        # Offline: the page says it is retrying; online again: it finishes.
        if progressed < size:
            browser.send("Network.emulateNetworkConditions", offline=True, latency=0, downloadThroughput=-1, uploadThroughput=-1)
            browser.wait("document.getElementById('progress').textContent.includes('retrying')", "the page to say it is retrying", timeout=30)
            print("ok    offline, the page says it is retrying")
            time.sleep(2)
            browser.send("Network.emulateNetworkConditions", offline=False, latency=0, downloadThroughput=-1, uploadThroughput=4 * MB)
        text = browser.wait(f"(() => {{ const t = document.getElementById('progress').textContent; return t.includes('SHA-256') ? t : null; }})()",
                            "the upload to finish", timeout=120)
        stored = browser.js(upload)
        good = "Stored" in text and sha in text and len(stored) == 1 and stored[0]["state"] == "ingested" and stored[0]["sha256"] == sha
        print(("ok    " if good else "FAIL  ") + f"stored once with the file's SHA-256 {sha} ({stored[0]['state']}, {stored[0]['status']})")
        ok.append(good)
    finally:
        browser.close()
    if not all(ok):
        sys.exit(1)


if __name__ == "__main__":
    main()
