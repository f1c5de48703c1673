import CustodyCore
import CustodyStore
import Foundation
import Hummingbird

/// "My footage": an officer uploads clips (tus, resumable across network errors and reloads)
/// and sees their own clips with link status and findings.
extension CustodyServer {
    func addMyFootageRoutes(_ router: Router<CustodyRequestContext>) {
        router.get("/my") { request, context in
            let user: User
            switch pageUser(request, context, [.officer]) {
            case .user(let u): user = u
            case .response(let r): return r
            }
            let p = page(request, context)
            let zone = config.timeZone
            let clips: [[String: Any]] = try await db { c in try await c.clips(ofOfficer: user.officerID ?? "") }.map { c in
                [
                    "sha": c.sha256, "name": c.originalName ?? String(c.sha256.prefix(12)),
                    "start": HTML.localTime(c.start?.timeIntervalSince1970, zone: zone),
                    "received": HTML.localTime(c.receivedAt?.timeIntervalSince1970, zone: zone),
                    "length": HTML.span(c.duration ?? 0, p.language), "integrity": p.language["integrity_\(c.integrity)"], "quarantined": c.quarantined,
                    "estimate": c.timeSource == "mtime",
                    "incidents": c.incidents, "unlinked": c.incidents.isEmpty,
                    "findings": c.findingKinds.map { p.language["reason_\($0)"] },
                ]
            }
            let values: [String: Any] = [
                "officer": user.officerID ?? "—", "clips": clips, "no_clips": clips.isEmpty,
                "max_size": config.uploads.maxBytes,
            ]
            return render("my", values, page: p, title: p.language["my_footage"])
        }
    }

    static let myFootageTemplate = """
        <h1>{{t.my_footage}} <span class="muted">· {{t.officer}} {{officer}}</span></h1>
        <div class="card noprint" id="uploader" data-max="{{max_size}}">
          <h2 style="margin-top:0">{{t.upload_footage}}</h2>
          <p class="muted">{{t.upload_hint}}</p>
          <input type="file" id="files" multiple accept="video/*,.mp4,.mov,.avi,.mkv,.ts" style="max-width:100%">
          <div id="progress" style="word-break:break-all"></div>
          <div id="unfinished"></div>
        </div>
        <h2>{{t.my_clips}}</h2>
        <div id="my-clips">
        {{#no_clips}}<p class="muted">{{t.no_clips}}</p>{{/no_clips}}
        {{^no_clips}}<div class="scroll"><table><tr><th>{{t.started}}</th><th>{{t.original_name}}</th><th>{{t.duration}}</th><th class="wide">{{t.received}}</th><th class="wide">{{t.integrity}}</th><th>{{t.linked_incidents}}</th><th class="wide">{{t.findings}}</th></tr>
        {{#clips}}<tr data-sha="{{sha}}"><td>{{start}}{{#estimate}} <span class="estimate" title="{{t.estimate_hint}}">({{t.estimate}})</span>{{/estimate}}</td><td style="word-break:break-all"><a href="/clips/{{sha}}">{{name}}</a></td><td>{{length}}</td><td class="wide">{{received}}</td>
        <td class="wide">{{integrity}}{{#quarantined}} · {{t.quarantined}}{{/quarantined}}</td>
        <td>{{#unlinked}}<span class="muted">{{t.unlinked}}</span>{{/unlinked}}{{#incidents}}<span class="mono">{{.}}</span> {{/incidents}}</td>
        <td class="wide">{{#findings}}<span class="badge p2">{{.}}</span> {{/findings}}</td></tr>{{/clips}}</table></div>{{/no_clips}}
        </div>
        <script>
        (function () {
          var T = { done: "{{t.upload_done}}", waiting: "{{t.upload_waiting}}", failed: "{{t.upload_failed}}",
                    resume: "{{t.upload_resume_hint}}", of: "{{t.of}}", duplicate: "{{t.upload_duplicate}}", quarantined: "{{t.quarantined}}" };
          var CHUNK = 8 * 1024 * 1024, box = document.getElementById("progress");
          var tus = { "Tus-Resumable": "1.0.0" };
          function mb(n) { return (n / 1048576).toFixed(1) + " MB"; }
          function b64(s) { return btoa(unescape(encodeURIComponent(s))); }
          function key(f) { return "custody-upload:" + f.name + ":" + f.size + ":" + f.lastModified; }
          function request(method, url, headers, body, onProgress) {
            return new Promise(function (resolve, reject) {
              var x = new XMLHttpRequest();
              x.open(method, url);
              x.withCredentials = true;
              Object.keys(headers).forEach(function (h) { x.setRequestHeader(h, headers[h]); });
              if (onProgress) x.upload.onprogress = function (e) { onProgress(e.loaded); };
              x.onload = function () { resolve(x); };
              x.onerror = function () { reject(new Error("network")); };
              x.send(body || null);
            });
          }
          function sha256(blob) {
            if (!(window.crypto && crypto.subtle)) return Promise.resolve(null);
            return blob.arrayBuffer().then(function (b) { return crypto.subtle.digest("SHA-256", b); })
              .then(function (d) { return btoa(String.fromCharCode.apply(null, new Uint8Array(d))); });
          }
          // After an upload is stored, the list below is fetched again (the clip is probed and
          // linked by then), so the officer sees it without reloading.
          function refreshList() {
            fetch("/my", { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
              var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("my-clips");
              if (fresh) document.getElementById("my-clips").innerHTML = fresh.innerHTML;
            }).catch(function () {});
          }
          function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
          function row(file) {
            var div = document.createElement("div");
            div.className = "upload";
            div.innerHTML = '<div class="mono"></div><progress max="1" value="0" style="width:100%"></progress><div class="muted"></div>';
            div.firstChild.textContent = file.name;
            box.appendChild(div);
            return { bar: div.children[1], text: div.children[2] };
          }
          function offsetOf(url) {
            return request("HEAD", url, tus).then(function (x) {
              if (x.status === 200) return parseInt(x.getResponseHeader("Upload-Offset"), 10);
              if (x.status === 404 || x.status === 410 || x.status === 403) return -1;
              throw new Error("HTTP " + x.status);
            });
          }
          function create(file) {
            var h = Object.assign({ "Upload-Length": String(file.size), "Upload-Metadata": "filename " + b64(file.name) }, tus);
            return request("POST", "/api/uploads", h).then(function (x) {
              if (x.status !== 201) throw new Error(JSON.parse(x.responseText || "{}").error || ("HTTP " + x.status));
              var url = x.getResponseHeader("Location");
              localStorage.setItem(key(file), url);
              return url;
            });
          }
          async function upload(file) {
            var ui = row(file), url = localStorage.getItem(key(file)), offset = -1, delay = 1000;
            for (;;) {
              try {
                if (url) offset = await offsetOf(url);
                if (!url || offset < 0) { url = await create(file); offset = 0; }
                while (offset < file.size || file.size === 0) {
                  var chunk = file.slice(offset, Math.min(offset + CHUNK, file.size));
                  var sum = await sha256(chunk);
                  var h = Object.assign({ "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" }, tus);
                  if (sum) h["Upload-Checksum"] = "sha256 " + sum;
                  var start = offset;
                  var x = await request("PATCH", url, h, chunk, function (n) {
                    ui.bar.value = (start + n) / Math.max(file.size, 1);
                    ui.text.textContent = mb(start + n) + " " + T.of + " " + mb(file.size);
                  });
                  if (x.status === 409 || x.status === 423 || x.status === 460 || x.status === 503) { offset = await offsetOf(url); continue; }
                  if (x.status !== 204) throw new Error(JSON.parse(x.responseText || "{}").error || ("HTTP " + x.status));
                  offset = parseInt(x.getResponseHeader("Upload-Offset"), 10);
                  delay = 1000;
                  if (offset === file.size) {
                    localStorage.removeItem(key(file));
                    var status = x.getResponseHeader("Custody-Status");
                    ui.bar.value = 1;
                    ui.text.textContent = (status === "duplicate" ? T.duplicate : status === "quarantined" ? T.quarantined : T.done)
                      + " · SHA-256 " + (x.getResponseHeader("Custody-SHA256") || "");
                    refreshList();
                    return;
                  }
                }
              } catch (e) {
                if (e.message !== "network") { ui.text.textContent = T.failed + ": " + e.message; return; }
                ui.text.textContent = T.waiting;
                await sleep(delay);
                delay = Math.min(delay * 2, 30000);
              }
            }
          }
          document.getElementById("files").addEventListener("change", function (e) {
            Array.prototype.forEach.call(e.target.files, function (f) { upload(f); });
            e.target.value = "";
          });
          // Uploads cut short by a reload: ask for the same file again to continue.
          fetch("/api/uploads", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (j) {
            var open = (j.uploads || []).filter(function (u) { return u.state === "receiving"; });
            var div = document.getElementById("unfinished");
            open.forEach(function (u) {
              var p = document.createElement("p");
              p.className = "muted";
              p.textContent = T.resume + ": " + u.filename + " (" + mb(u.offset) + " " + T.of + " " + mb(u.length) + ")";
              div.appendChild(p);
            });
          }).catch(function () {});
        })();
        </script>
        """
}
