"""tuspy against `custody serve`: run by tools/tus-check (and so by CI).

Checks, each against a fresh data folder and a real server process:
  1. an officer uploads a sample clip in 16 KB chunks with sha256 chunk checksums; the
     server's stored SHA-256 (the clip's API record) equals the file's;
  2. a docking-station token uploads another clip naming the officer (tuspy's default sha1
     checksums); it is attributed to that officer;
  3. an upload stopped half-way is resumed by a new tuspy uploader from the stored URL after
     the server was restarted; the result is stored once, with the right hash;
  4. an officer naming someone else is refused (403), and no credentials give 401.
"""
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from tusclient import client as tus_client
from tusclient.exceptions import TusCommunicationError
from tusclient.uploader import Uploader

CUSTODY = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FOOTAGE = os.path.join(ROOT, "samples", "footage")
failures = []


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        failures.append(what)


class SHA256Uploader(Uploader):
    CHECKSUM_ALGORITHM_PAIR = ("sha256", hashlib.sha256)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def custody(data, *args, stdin=None):
    return subprocess.run([CUSTODY, *args, "--data", data], input=stdin, capture_output=True, text=True, check=True).stdout


class Server:
    def __init__(self, data):
        self.data, self.port, self.proc = data, free_port(), None

    def start(self):
        self.proc = subprocess.Popen(
            [CUSTODY, "serve", "--data", self.data, "--port", str(self.port)],
            stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.data, "serve.log"), "a"))
        for _ in range(200):
            try:
                urllib.request.urlopen(self.url("/health"), timeout=1)
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("custody serve did not start; see serve.log")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


def api(server, path, token=None, body=None):
    request = urllib.request.Request(server.url(path), data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def main():
    clips = sorted(f for f in os.listdir(FOOTAGE) if f.endswith(".mp4") and "_012345_" in f)
    data = tempfile.mkdtemp(prefix="custody-tus-")
    try:
        station_token = custody(data, "token", "add", "--station", "dock-7").strip()
        custody(data, "user", "add", "olga", "--role", "officer", "--officer", "012345", stdin="olga-password\n")
        server = Server(data)
        server.start()
        status, session = api(server, "/api/session", body={"username": "olga", "password": "olga-password"})
        officer_token = session["token"]

        # 1. An officer, small chunks, sha256 checksums.
        path = os.path.join(FOOTAGE, clips[0])
        officer = tus_client.TusClient(server.url("/api/uploads"), headers={"Authorization": f"Bearer {officer_token}"})
        uploader = SHA256Uploader(path, client=officer, chunk_size=16 * 1024, upload_checksum=True,
                                  metadata={"filename": clips[0]})
        uploader.upload()
        stored = uploader.request.response_headers.get("custody-sha256")
        check(stored == sha256(path), f"officer upload of {clips[0]} ({os.path.getsize(path)} bytes): stored SHA-256 {stored} equals the file's")
        status, record = api(server, f"/api/clips/{sha256(path)}", officer_token)
        check(status == 200 and record.get("sha256") == sha256(path) and record.get("officer_id") == "012345",
              f"the clip's API record has the same SHA-256 and officer 012345 (HTTP {status})")

        # 2. A docking station naming the officer, tuspy's default sha1 checksums.
        path = os.path.join(FOOTAGE, clips[1])
        station = tus_client.TusClient(server.url("/api/uploads"), headers={"Authorization": f"Bearer {station_token}"})
        uploader = station.uploader(path, chunk_size=64 * 1024, upload_checksum=True,
                                    metadata={"filename": clips[1], "officer": "012345", "device": "J0012345"})
        uploader.upload()
        stored = uploader.request.response_headers.get("custody-sha256")
        status, record = api(server, f"/api/clips/{sha256(path)}", officer_token)
        check(stored == sha256(path) and record.get("officer_id") == "012345",
              f"station upload of {clips[1]} for officer 012345: SHA-256 matches, attributed to 012345")

        # 3. Stop half-way, restart the server, resume from the stored URL with a new uploader.
        path = os.path.join(FOOTAGE, clips[2])
        size = os.path.getsize(path)
        first = SHA256Uploader(path, client=officer, chunk_size=8 * 1024, upload_checksum=True, metadata={"filename": clips[2]})
        first.upload(stop_at=size // 2)
        url = first.url
        server.stop()
        server.start()
        resumed = SHA256Uploader(path, client=officer, url=url, chunk_size=8 * 1024, upload_checksum=True)
        check(0 < resumed.offset < size, f"after a restart the server reports offset {resumed.offset} of {size}")
        resumed.upload()
        stored = resumed.request.response_headers.get("custody-sha256")
        check(stored == sha256(path), f"the resumed upload of {clips[2]} is stored with the file's SHA-256")
        status, listing = api(server, "/api/uploads", officer_token)
        done = [u for u in listing["uploads"] if u["sha256"] == sha256(path)]
        check(len(done) == 1 and done[0]["status"] == "ingested", "it was ingested exactly once")

        # 4. Refusals.
        try:
            SHA256Uploader(path, client=officer, metadata={"filename": "x.mp4", "officer": "023456"}).upload()
            check(False, "an officer naming another officer is refused")
        except TusCommunicationError as error:
            check(error.status_code == 403, f"an officer naming another officer is refused (HTTP {error.status_code})")
        try:
            Uploader(path, client=tus_client.TusClient(server.url("/api/uploads"))).upload()
            check(False, "an upload without credentials is refused")
        except TusCommunicationError as error:
            check(error.status_code == 401, f"an upload without credentials is refused (HTTP {error.status_code})")
        server.stop()
        out = custody(data, "verify")
        check(out.strip() == "", "custody verify finds the store intact afterwards")
    finally:
        shutil.rmtree(data, ignore_errors=True)
    if failures:
        print(f"tus-check: {len(failures)} check(s) failed", file=sys.stderr)
        sys.exit(1)
    print("tus-check: all checks passed", file=sys.stderr)


if __name__ == "__main__":
    main()
