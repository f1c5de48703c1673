"""python-swiftclient against `custody serve`'s Axis API: run by tools/axis-check (and so by CI).

The request sequence of AxisCommunications/body-worn-integration-api's README, against a fresh
data folder and a real server process, through swiftclient.client.Connection (auth v1.0):
  1. the connection file from `custody axis connection-file` authenticates (its
     AuthenticationTokenURI, BlobAPIUserName, BlobAPIKey); a wrong key is refused;
  2. System/Capabilities.json is read, its ETag the MD5 of its body;
  3. Users/<uuid> (UserID = the badge 012345) and Devices/<serial> are created;
  4. a recording container with its X-Container-Meta-* (TriggerOn, times, zone, model, firmware,
     Status: Transferring), a clip object, a GNSS trail and a bookmark are uploaded;
  5. POST Status: Complete; the clip is then in the vault, attributed to officer 012345 and the
     camera, linked to her call, with a 10 s pre-event buffer under a 30 s policy: no_prebuffer;
  6. the clip's API record and page show the trigger, the GNSS track and the bookmark;
  7. an unknown user's recording is refused with 400.
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

from swiftclient import client as swift
from swiftclient.exceptions import ClientException

CUSTODY = sys.argv[1]
failures = []
UUID = "7f6c1a2e-9b1d-4c55-8a0e-3f2b1c4d5e6f"
SERIAL = "ABC123456"


def check(condition, what):
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        failures.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def custody(data, *args, stdin=None):
    return subprocess.run([CUSTODY, *args, "--data", data], input=stdin, capture_output=True, text=True, check=True)


def make_clip(path, tone):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10:duration=20",
                    "-f", "lavfi", "-i", f"sine=f={tone}:duration=20", "-c:v", "libx264", "-preset", "ultrafast", "-g", "10",
                    "-c:a", "aac", "-shortest", "-map_metadata", "-1", "-fflags", "+bitexact", path], check=True)


def epoch(iso):
    return str(int(time.mktime(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone))


def api(port, path, token):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def main():
    data = tempfile.mkdtemp(prefix="custody-axis-")
    server = None
    try:
        os.makedirs(data, exist_ok=True)
        with open(os.path.join(data, "config.toml"), "w") as f:
            f.write('time_zone = "UTC"\n[policy]\nprebuffer_required_seconds = 30\n')
        with open(os.path.join(data, "calls.csv"), "w") as f:
            f.write("incident_id,officer_id,dispatched_at,arrived_at,cleared_at\n"
                    "110-20240214-0900,012345,2024-02-14 05:58:00,2024-02-14 06:00:00,2024-02-14 06:05:00\n")
        custody(data, "dispatch", "import", os.path.join(data, "calls.csv"))
        custody(data, "user", "add", "rita", "--role", "reviewer", stdin="rita-password\n")
        port = free_port()
        conn_path = os.path.join(data, "axis-connection.json")
        custody(data, "axis", "connection-file", "--site", "Test site", "--url", f"http://127.0.0.1:{port}", "--out", conn_path)
        with open(conn_path) as f:
            conn = json.load(f)
        check(oct(os.stat(conn_path).st_mode & 0o777) == "0o600", "the connection file is readable by its owner only")
        server = subprocess.Popen([CUSTODY, "serve", "--data", data, "--port", str(port)],
                                  stdout=subprocess.DEVNULL, stderr=open(os.path.join(data, "serve.log"), "a"))
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.05)

        # 1. Auth v1.0 with the connection file's credentials; a wrong key is 401.
        authurl = conn["AuthenticationTokenURI"][0]
        try:
            swift.get_auth(authurl, conn["BlobAPIUserName"], "wrong-key", auth_version="1")
            check(False, "a wrong key is refused")
        except ClientException as e:
            check(e.http_status == 401, f"a wrong key is refused (HTTP {e.http_status})")
        c = swift.Connection(authurl=authurl, user=conn["BlobAPIUserName"], key=conn["BlobAPIKey"], auth_version="1", retries=0)
        url, token = c.get_auth()
        check(url.endswith("/axis/v1/AUTH_custody") and token, f"auth gives a token and the storage URL {url}")

        # 2. Capabilities, with the MD5 ETag.
        headers, body = c.get_object("System", "Capabilities.json")
        check(headers.get("etag") == hashlib.md5(body).hexdigest(), "System/Capabilities.json's ETag is its MD5")
        check(json.loads(body)["Store"].get("StoreUserIDKey") is True, "the destination stores the user-supplied ID")

        # 3. A user with the badge as user-supplied ID, and a camera.
        c.put_container("Users")
        c.put_object("Users", UUID, contents=b"", headers={"X-Object-Meta-Name": "Olga", "X-Object-Meta-Userid": "012345",
                                                           "X-Object-Meta-Active": "True"})
        c.put_container("Devices")
        c.put_object("Devices", SERIAL, contents=b"", headers={"X-Object-Meta-Name": "Cam 7"})

        # 4. A recording activated at 06:00:10 with 10 s of pre-event buffer.
        container = f"{UUID}_{SERIAL}_20240214T060010Z"
        c.put_container(container, headers={
            "X-Container-Meta-Triggeron": "Button", "X-Container-Meta-Triggerontime": epoch("2024-02-14T06:00:10Z"),
            "X-Container-Meta-Triggerontimeiso": "2024-02-14T06:00:10Z", "X-Container-Meta-Starttime": epoch("2024-02-14T06:00:00Z"),
            "X-Container-Meta-Timezone": "Europe/Stockholm", "X-Container-Meta-Bwcmodel": "AXIS W110",
            "X-Container-Meta-Firmwareversion": "11.2.3", "X-Container-Meta-Status": "Transferring"})
        clip = os.path.join(data, "clip.mkv")
        make_clip(clip, 440)
        with open(clip, "rb") as f:
            etag = c.put_object(container, "20240214_060000_4711.mkv", contents=f, content_type="video/x-matroska", headers={
                "X-Object-Meta-Starttime": epoch("2024-02-14T06:00:00Z"), "X-Object-Meta-Stoptime": epoch("2024-02-14T06:00:20Z")})
        with open(clip, "rb") as f:
            digest = hashlib.md5(f.read()).hexdigest()
            f.seek(0)
            sha = hashlib.sha256(f.read()).hexdigest()
        check(etag == digest, "the clip's ETag is its MD5")
        trail = {"CoordinateEntries": [
            {"LocationWKT": "POINT(13.221184 55.718409)", "SecondsFromStart": 0.0, "Timestamp": "2024-02-14T06:00:00Z"},
            {"LocationWKT": "POINT(13.220701 55.718702)", "SecondsFromStart": 10.0, "Timestamp": "2024-02-14T06:00:10Z"},
            {"LocationWKT": "POINT(13.221424 55.718778)", "SecondsFromStart": 20.0, "Timestamp": "2024-02-14T06:00:20Z"}]}
        c.put_object(container, f"20240214_060000_4711_{SERIAL}_gpstrail.json", contents=json.dumps(trail), headers={"X-Object-Meta-Filetype": "json"})
        c.put_object(container, "bookmark_20240214T060012Z_1", contents="Witness gives the plate number",
                     headers={"X-Object-Meta-Categoryname": "Evidence", "X-Object-Meta-Starttime": "2024-02-14T06:00:12Z"})

        # 5. Complete.
        c.post_container(container, headers={"X-Container-Meta-Status": "Complete", "X-Container-Meta-Triggeroff": "Button",
                                             "X-Container-Meta-Triggerofftime": epoch("2024-02-14T06:00:20Z")})
        gaps = custody(data, "gaps", "--json", "--incident", "110-20240214-0900").stdout.splitlines()
        findings = [json.loads(line) for line in gaps]
        check(any(f["kind"] == "no_prebuffer" and f["clip_sha256"] == sha and f["seconds"] == 20 for f in findings),
              f"the call has no_prebuffer (20 s short of 30) for the clip: {[f['kind'] for f in findings]}")

        # 6. Shown: the clip's API record and page.
        session = json.loads(urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{port}/api/session", data=json.dumps({"username": "rita", "password": "rita-password"}).encode(),
            headers={"Content-Type": "application/json"}), timeout=30).read())
        status, body = api(port, f"/api/clips/{sha}", session["token"])
        record = json.loads(body) if status == 200 else {}
        check(status == 200 and record.get("officer_id") == "012345" and record["probe"].get("device_id") == SERIAL,
              f"the clip is stored for officer 012345 and camera {SERIAL} (HTTP {status})")
        check("110-20240214-0900" in record.get("incidents", []), "the clip is linked to her call")
        recorder = record.get("recorder") or {}
        check(recorder.get("trigger_on") == "Button" and recorder.get("prebuffer_seconds") == 10 and len(recorder.get("gnss", [])) == 3
              and recorder.get("bookmarks", [{}])[0].get("text") == "Witness gives the plate number",
              "its record keeps the trigger, the 10 s pre-event buffer, the GNSS trail and the bookmark")
        page = urllib.request.Request(f"http://127.0.0.1:{port}/clips/{sha}", headers={"Cookie": f"custody_session={session['token']}; lang=en"})
        try:
            html = urllib.request.urlopen(page, timeout=30).read().decode()
        except urllib.error.HTTPError as error:
            html = error.read().decode()
        check('id="gnss-track"' in html and "Witness gives the plate number" in html, "the clip page draws the track and lists the bookmark")

        # 7. An unknown user's recording: 400, as the README asks.
        try:
            c.put_container(f"00000000-dead-beef-0000-000000000000_{SERIAL}_20240214T070000Z")
            check(False, "an unknown user's recording is refused")
        except ClientException as e:
            check(e.http_status == 400, f"an unknown user's recording is refused (HTTP {e.http_status})")
    finally:
        if server:
            server.terminate()
            server.wait(timeout=30)
        if failures:
            print(f"axis-check: {len(failures)} check(s) failed; the data folder is kept at {data}")
        elif os.environ.get("KEEP_DATA"):
            print(f"axis-check: the data folder is kept at {data} (KEEP_DATA)")
        else:
            shutil.rmtree(data, ignore_errors=True)
    if failures:
        sys.exit(1)
    print("axis-check: every check passed")


if __name__ == "__main__":
    main()
