/// The pages' Mustache templates, kept in code so the binary needs no resource files.
/// `{{…}}` escapes HTML; `{{{…}}}` is used only for markup built by `HTML`/`Timeline` (escaped there).
enum Templates {
    static let all: [String: String] = [
        "layout": layout, "login": login, "incident": incident, "clip": clip,
        "reports": reports, "message": message,
    ]

    static let layout = """
        <!DOCTYPE html>
        <html lang="{{lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · {{t.app}}</title>
        <style>
        :root { --ink:#1d2733; --muted:#5b6776; --line:#d8dee6; --bg:#f5f7fa; --accent:#1f5fae; --red:#c0392b; --amber:#d68910; --green:#1e8449; }
        * { box-sizing: border-box; }
        body { margin:0; font: 15px/1.5 "Noto Sans CJK SC","PingFang SC","Microsoft YaHei",system-ui,sans-serif; color:var(--ink); background:var(--bg); }
        header { display:flex; flex-wrap:wrap; align-items:center; gap:8px 24px; padding:10px 24px; background:#14283f; color:#fff; }
        header nav { display:flex; flex-wrap:wrap; gap:4px 0; }
        header .brand { font-weight:700; font-size:17px; }
        header nav a { color:#dbe7f5; margin-right:16px; text-decoration:none; }
        header nav a.active { color:#fff; border-bottom:2px solid #fff; }
        header .me { margin-left:auto; display:flex; gap:12px; align-items:center; color:#dbe7f5; }
        header .me a, header .me button { color:#fff; background:none; border:1px solid #5d7590; border-radius:4px; padding:2px 10px; cursor:pointer; font:inherit; text-decoration:none; }
        main { max-width:1240px; margin:0 auto; padding:20px 24px 48px; }
        h1 { font-size:22px; margin:4px 0 16px; } h2 { font-size:17px; margin:24px 0 8px; }
        .card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:16px 18px; margin-bottom:16px; }
        table { width:100%; border-collapse:collapse; background:#fff; }
        th, td { text-align:left; padding:8px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
        th { font-size:13px; color:var(--muted); font-weight:600; background:#fafbfc; }
        .tabs a { display:inline-block; padding:6px 14px; margin-right:6px; border-radius:16px; text-decoration:none; color:var(--ink); background:#e6ebf1; }
        .tabs a.active { background:var(--accent); color:#fff; }
        .badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:13px; color:#fff; white-space:nowrap; }
        .p0 { background:#a93226; } .p1 { background:#cb4335; } .p2 { background:#d68910; } .p3 { background:#b9770e; }
        .p4 { background:#7d6608; } .p5 { background:#6c3483; } .p6,.p7 { background:#5d6d7e; } .p8 { background:#1e8449; }
        .muted { color:var(--muted); } .mono { font-family: ui-monospace, monospace; font-size:13px; }
        button.primary, a.primary { background:var(--accent); color:#fff; border:0; border-radius:4px; padding:5px 14px; cursor:pointer; font:inherit; text-decoration:none; }
        button.ghost { background:#fff; border:1px solid var(--line); border-radius:4px; padding:4px 12px; cursor:pointer; font:inherit; }
        form.inline { display:inline; }
        .grid { display:grid; grid-template-columns: 1fr 1fr; gap:16px; } @media (max-width:900px) { .grid { grid-template-columns:1fr; } }
        .facts { display:grid; grid-template-columns: max-content 1fr; gap:4px 16px; }
        .facts dt { color:var(--muted); } .facts dd { margin:0; }
        .thumbs { display:flex; flex-wrap:wrap; gap:10px; } .thumbs figure { margin:0; font-size:12px; color:var(--muted); }
        .thumbs img { width:160px; height:120px; object-fit:cover; border-radius:4px; border:1px solid var(--line); background:#222; cursor:pointer; }
        video { width:100%; max-height:420px; background:#000; border-radius:6px; }
        .checks { columns:2; } .checks label { display:block; }
        .pager { margin-top:12px; display:flex; gap:12px; align-items:center; }
        .flash { background:#fdecea; border:1px solid #f5b7b1; color:#922b21; padding:8px 12px; border-radius:6px; margin-bottom:12px; }
        .legend span { display:inline-block; margin-right:14px; font-size:13px; }
        .legend i { display:inline-block; width:14px; height:10px; margin-right:4px; vertical-align:middle; }
        .notice { background:#e8f6ee; border:1px solid #a9dfbf; color:#145a32; padding:8px 12px; border-radius:6px; margin-bottom:12px; }
        .scroll { overflow-x:auto; max-width:100%; }
        form.filters { display:flex; flex-wrap:wrap; gap:8px 12px; align-items:flex-end; }
        form.filters label { display:flex; flex-direction:column; font-size:13px; color:var(--muted); }
        form.filters input, form.filters select { font:inherit; padding:3px 6px; min-width:0; }
        th a { color:inherit; } .estimate { color:var(--amber); cursor:help; }
        .history li { margin-bottom:4px; } .ok { color:var(--green); } .broken { color:var(--red); font-weight:600; }
        @media (max-width:600px) { header { padding:8px 12px; gap:6px 12px; } header .me { margin-left:0; } main { padding:12px; } .wide { display:none; } h1 { font-size:19px; } }
        @media print { header, .noprint { display:none; } body { background:#fff; } .card { border:0; } }
        </style></head>
        <body>
        <header><span class="brand">{{t.app}}</span>
        {{#user}}<nav>{{#officer}}<a id="nav-my" href="/my" class="{{#nav_my}}active{{/nav_my}}">{{t.my_footage}}</a>{{/officer}}{{#can_queue}}<a id="nav-queue" href="/queue" class="{{#nav_queue}}active{{/nav_queue}}">{{t.queue}}</a><a id="nav-incidents" href="/incidents" class="{{#nav_incidents}}active{{/nav_incidents}}">{{t.incidents}}</a>{{/can_queue}}{{#can_reports}}<a id="nav-reports" href="/reports" class="{{#nav_reports}}active{{/nav_reports}}">{{t.reports}}</a>{{/can_reports}}{{#can_holds}}<a id="nav-holds" href="/holds" class="{{#nav_holds}}active{{/nav_holds}}">{{t.holds}}</a><a id="nav-exports" href="/exports" class="{{#nav_exports}}active{{/nav_exports}}">{{t.exports}}</a>{{/can_holds}}{{#can_imports}}<a id="nav-imports" href="/imports" class="{{#nav_imports}}active{{/nav_imports}}">{{t.imports}}</a>{{/can_imports}}{{#can_audit}}<a id="nav-audit" href="/audit" class="{{#nav_audit}}active{{/nav_audit}}">{{t.audit_trail}}</a>{{/can_audit}}{{#admin}}<a id="nav-admin" href="/admin/accounts" class="{{#nav_admin}}active{{/nav_admin}}">{{t.accounts}}</a><a id="nav-tokens" href="/admin/tokens" class="{{#nav_tokens}}active{{/nav_tokens}}">{{t.station_tokens}}</a>{{/admin}}</nav>{{/user}}
        <span class="me">{{#user}}<span>{{name}} · {{role}}</span>{{/user}}
        <a id="switch-lang" href="/lang/{{other_lang}}?next={{next}}">{{t.switch_language}}</a>
        {{#user}}<form class="inline" method="post" action="/logout"><input type="hidden" name="_csrf" value="{{csrf}}"><button id="sign-out">{{t.sign_out}}</button></form>{{/user}}
        </span></header>
        <main>{{#flash}}<div class="flash">{{flash}}</div>{{/flash}}{{#notice}}<div class="notice">{{notice}}</div>{{/notice}}{{{body}}}</main>
        </body></html>
        """

    static let login = """
        <div class="card" style="max-width:380px;margin:60px auto;">
        <h1>{{t.sign_in}}</h1>
        <form method="post" action="/login">
        <input type="hidden" name="next" value="{{next}}">
        <p><label>{{t.username}}<br><input name="username" autocomplete="username" required style="width:100%;padding:6px"></label></p>
        <p><label>{{t.password}}<br><input name="password" type="password" autocomplete="current-password" required style="width:100%;padding:6px"></label></p>
        <p><button class="primary" id="sign-in">{{t.sign_in}}</button></p>
        </form></div>
        """

    static let incident = """
        <h1>{{t.incident}} {{incident_id}} {{#category}}<span class="muted" style="font-size:15px">· {{category}}</span>{{/category}}</h1>
        <div class="card"><dl class="facts">
        {{#category}}<dt>{{t.category}}</dt><dd>{{category}}</dd>{{/category}}
        <dt>{{t.priority}}</dt><dd id="incident-priority">{{#priority}}{{priority}}{{/priority}}{{^priority}}—{{/priority}}</dd>
        {{#station}}<dt>{{t.station}}</dt><dd>{{station}}</dd>{{/station}}{{#location}}<dt>{{t.location}}</dt><dd>{{location}}</dd>{{/location}}
        <dt>{{t.times_in}}</dt><dd>{{zone}}</dd></dl>
        <h2>{{t.dispatch_times}}</h2><div class="scroll"><table id="dispatch-times"><thead><tr><th>{{t.officer}}</th><th>{{t.t_received}}</th><th>{{t.t_dispatched}}</th><th>{{t.t_arrived}}</th><th>{{t.t_cleared}}</th><th>{{t.on_scene}}</th></tr></thead><tbody>
        {{#dispatch}}<tr><td>{{officer_id}}{{#attendance}} <span class="muted">· {{attendance}}</span>{{/attendance}}</td><td>{{received}}</td><td>{{dispatched}}</td><td>{{arrived}}</td><td>{{cleared}}</td><td>{{on_scene}}</td></tr>{{/dispatch}}
        </tbody></table></div>
        {{#has_holds}}<h2>{{t.holds}}</h2><ul id="holds">{{#holds}}<li><span class="badge p5">{{kind}}</span> {{what}} · {{reason}} · {{placed_by}} {{placed_at}}</li>{{/holds}}</ul>{{/has_holds}}
        </div>
        {{#officers}}<div class="card"><h2>{{t.officer}} {{officer_id}}{{#attendance}} <span class="muted">· {{attendance}}</span>{{/attendance}} {{#judged}}<span class="muted">· {{t.coverage}} {{coverage}}{{#usable_coverage}} · <span class="usable" title="{{t.usable_coverage_hint}}">{{t.usable_coverage}} {{usable_coverage}}</span>{{/usable_coverage}}</span>{{/judged}}{{^judged}}<span class="muted">· {{t.not_judged}}</span>{{/judged}}</h2>
        <div class="legend"><span><i style="background:#d5dbe3"></i>{{t.required_window}}</span><span><i style="background:#27ae60"></i>{{t.recorded}}</span><span><i style="background:#e74c3c"></i>{{t.gap}}</span></div>
        <div class="scroll">{{{svg}}}</div>
        <div class="scroll"><table><thead><tr><th>{{t.findings}}</th><th>{{t.started}}</th><th>{{t.ended}}</th><th>{{t.duration}}</th><th class="noprint"></th></tr></thead><tbody>
        {{#findings}}<tr><td><span class="badge p{{priority}}">{{label}}</span></td><td>{{start}}</td><td>{{end}}</td><td>{{length}}</td>
        <td class="noprint">{{#jump_clip}}<button class="ghost" onclick="jump('{{jump_clip}}', {{jump_at}})">{{jump_label}}</button>{{/jump_clip}}</td></tr>{{/findings}}
        {{^findings}}<tr><td colspan="5" class="muted">{{t.no_findings}}</td></tr>{{/findings}}
        </tbody></table></div></div>{{/officers}}
        <div class="grid"><div class="card"><h2>{{t.clips}}</h2>
        <video id="player" controls preload="metadata"></video>
        <div class="thumbs" style="margin-top:10px">{{#clips}}<figure><img src="/api/clips/{{sha}}/thumbnail" alt="" loading="lazy" onclick="jump('{{sha}}', 0)"><figcaption>{{officer}} · {{start}}{{#estimate}} <span class="estimate" title="{{t.estimate_hint}}">({{t.estimate}})</span>{{/estimate}} · {{length}} · <a href="/clips/{{sha}}">{{t.details}}</a></figcaption></figure>{{/clips}}</div></div>
        <div class="card"><h2>{{t.review}}</h2>{{#item_about}}<p class="muted" id="item-about">{{item_about}}</p>{{/item_about}}{{{review}}}
        {{#can_request}}<details style="margin-top:12px"{{#no_open_item}} open{{/no_open_item}}><summary>{{t.request_review}}</summary>
        <form id="request-review" method="post" action="/incidents/{{incident_id}}/request-review"><input type="hidden" name="_csrf" value="{{csrf}}">
        <p><label>{{t.officer}} <select name="officer"><option value="">{{t.whole_call}}</option>{{#dispatch}}{{^repeat}}<option value="{{officer_id}}">{{officer_id}}</option>{{/repeat}}{{/dispatch}}</select></label></p>
        <p><label>{{t.request_reason}}<br><textarea name="reason" rows="2" maxlength="400" required style="width:100%"></textarea></label></p>
        <button class="ghost" id="request">{{t.request_review}}</button></form></details>{{/can_request}}
        {{#can_export}}<details style="margin-top:12px"><summary>{{t.export_package}}</summary>
        <form id="export-incident" method="post" action="/incidents/{{incident_id}}/export"><input type="hidden" name="_csrf" value="{{csrf}}">
        <p><label>{{t.export_reason}}<br><textarea name="reason" rows="2" maxlength="400" required style="width:100%"></textarea></label></p>
        <button class="ghost" id="export">{{t.export_button}}</button></form></details>{{/can_export}}</div></div>
        <script>
        function jump(sha, at) { var v = document.getElementById('player'); var src = '/api/clips/' + sha + '/media';
          if (!v.src.endsWith(src)) { v.src = src; v.addEventListener('loadedmetadata', function once() { v.removeEventListener('loadedmetadata', once); v.currentTime = at; v.play(); }); }
          else { v.currentTime = at; v.play(); } }
        </script>
        """

    static let review = """
        <div id="review-panel" data-item="{{id}}">
        {{#saved}}<div class="notice">{{t.verdict_saved}}</div>{{/saved}}
        {{#reviewed}}<div id="verdict-shown"><p><span class="badge p8">{{t.reviewed}}</span> <strong>{{verdict_label}}</strong> · {{reviewed_by}} · {{reviewed_at}}</p>{{#checklist}}<p>{{.}}</p>{{/checklist}}{{#note}}<p class="muted">{{note}}</p>{{/note}}</div>
        {{#can_reopen}}<form id="reopen-form" method="post" action="/queue/{{id}}/reopen"><input type="hidden" name="_csrf" value="{{csrf}}">
        <p><label>{{t.reopen_reason}}<br><textarea name="reason" rows="2" maxlength="400" required style="width:100%"></textarea></label></p><button class="ghost" id="reopen">{{t.reopen}}</button></form>{{/can_reopen}}{{/reviewed}}
        {{#claimable}}<p class="muted">{{t.claim_to_review}}</p><form method="post" action="/queue/{{id}}/claim"><input type="hidden" name="_csrf" value="{{csrf}}"><button class="primary" id="claim">{{t.claim}}</button></form>{{/claimable}}
        {{#held_by_other}}<p class="muted">{{t.held_by_other}} ({{claimed_by}}) · <span id="lease" data-lease-until="{{lease_iso}}">{{t.lease_until}} {{lease_clock}}</span></p>{{/held_by_other}}
        {{#supervise_claimed}}<form class="inline" method="post" action="/queue/{{id}}/release"><input type="hidden" name="_csrf" value="{{csrf}}"><button class="ghost" id="force-release">{{t.force_release}}</button></form>{{/supervise_claimed}}
        {{#can_reassign}}<form id="reassign-form" method="post" action="/queue/{{id}}/reassign" style="margin-top:8px"><input type="hidden" name="_csrf" value="{{csrf}}">
        <label>{{t.reassign_to}} <select name="to">{{#reviewers}}<option value="{{.}}">{{.}}</option>{{/reviewers}}</select></label> <button class="ghost" id="reassign">{{t.reassign}}</button></form>{{/can_reassign}}
        {{#mine}}<p id="lease" data-lease-until="{{lease_iso}}" data-left="{{t.lease_left}}" data-lapsed="{{t.lease_lapsed}}">{{t.lease_until}} {{lease_clock}}</p>
        <form class="inline" method="post" action="/queue/{{id}}/renew"><input type="hidden" name="_csrf" value="{{csrf}}"><button class="ghost" id="renew">{{t.renew}}</button></form>
        <form id="verdict-form" method="post" action="/queue/{{id}}/verdict"><input type="hidden" name="_csrf" value="{{csrf}}">
        <p><strong>{{t.verdict}}</strong><br>{{#verdicts}}<label style="margin-right:14px"><input type="radio" name="verdict" value="{{code}}" required> {{label}}</label>{{/verdicts}}</p>
        <p><strong>{{t.checklist}}</strong></p><div class="checks">{{#codes}}<label><input type="checkbox" name="checklist" value="{{code}}"> {{label}}</label>{{/codes}}</div>
        <p><label><strong>{{t.note}}</strong> <span class="muted">({{t.note_limit}})</span><br><textarea id="note" name="note" rows="3" maxlength="4000" style="width:100%"></textarea></label></p>
        <p><button class="primary" id="save-verdict">{{t.save_verdict}}</button> <span class="muted" id="draft-state"></span></p></form>
        <form method="post" action="/queue/{{id}}/release"><input type="hidden" name="_csrf" value="{{csrf}}"><button class="ghost" id="release">{{t.release}}</button></form>{{/mine}}
        {{#no_item}}<p class="muted">{{t.no_review_item}}</p>{{/no_item}}
        {{#has_history}}<h2>{{t.history}}</h2><ol id="history" class="history">{{#history}}<li><span class="muted">{{at}}</span> · {{actor}} · <strong>{{action}}</strong>{{#detail}} — {{detail}}{{/detail}}</li>{{/history}}</ol>{{/has_history}}
        </div>
        <script>
        (function () {
          var panel = document.getElementById('review-panel'), item = panel && panel.getAttribute('data-item');
          if (!item) return;
          var key = 'custody-draft:' + item;
          if (panel.querySelector('.notice')) localStorage.removeItem(key);
          var lease = document.getElementById('lease');
          if (lease && lease.getAttribute('data-left')) {
            var until = Date.parse(lease.getAttribute('data-lease-until'));
            var tick = function () {
              var s = Math.round((until - Date.now()) / 1000);
              lease.textContent = s > 0 ? lease.getAttribute('data-left').replace('{time}', Math.floor(s / 60) + ':' + ('0' + s % 60).slice(-2)) : lease.getAttribute('data-lapsed');
              lease.className = s < 300 ? 'broken' : '';
            };
            tick(); setInterval(tick, 1000);
          }
          var form = document.getElementById('verdict-form');
          if (!form) return;
          var state = document.getElementById('draft-state');
          function save() {
            var d = { note: form.note.value, verdict: (form.querySelector('input[name=verdict]:checked') || {}).value || '',
                      checklist: Array.prototype.map.call(form.querySelectorAll('input[name=checklist]:checked'), function (b) { return b.value; }) };
            localStorage.setItem(key, JSON.stringify(d));
          }
          try {
            var d = JSON.parse(localStorage.getItem(key) || 'null');
            if (d) {
              form.note.value = d.note || '';
              Array.prototype.forEach.call(form.querySelectorAll('input[name=verdict]'), function (r) { r.checked = r.value === d.verdict; });
              Array.prototype.forEach.call(form.querySelectorAll('input[name=checklist]'), function (b) { b.checked = (d.checklist || []).indexOf(b.value) >= 0; });
              state.textContent = '{{t.draft_restored}}';
            }
          } catch (e) {}
          form.addEventListener('input', save); form.addEventListener('change', save); form.addEventListener('submit', save);
        })();
        </script>
        """

    static let clip = """
        <h1>{{t.clip}} <span class="mono">{{sha_short}}…</span></h1>
        <div class="grid"><div class="card"><video id="clip-player" controls preload="metadata" src="/api/clips/{{sha}}/media"></video></div>
        <div class="card"><dl class="facts">
        <dt>{{t.officer}}</dt><dd>{{officer}}</dd><dt>{{t.started}}</dt><dd>{{start}}{{#estimate}} <span class="estimate" title="{{t.estimate_hint}}">({{t.estimate}})</span>{{/estimate}}</dd><dt>{{t.duration}}</dt><dd>{{length}}</dd>
        <dt>{{t.integrity}}</dt><dd>{{integrity}}</dd><dt>SHA-256</dt><dd class="mono" style="word-break:break-all">{{sha}}</dd>
        <dt>{{t.linked_incidents}}</dt><dd>{{#incidents}}<a href="{{link}}">{{id}}</a> {{/incidents}}{{^incidents}}—{{/incidents}}</dd></dl>
        {{#can_custody}}<p><a id="custody-link" href="/clips/{{sha}}/custody">{{t.chain_of_custody}}</a></p>{{/can_custody}}
        {{#can_export}}<details><summary>{{t.export_package}}</summary><form id="export-clip" method="post" action="/clips/{{sha}}/export"><input type="hidden" name="_csrf" value="{{csrf}}">
        <p><label>{{t.export_reason}}<br><textarea name="reason" rows="2" maxlength="400" required style="width:100%"></textarea></label></p>
        <button class="ghost" id="export">{{t.export_button}}</button></form></details>{{/can_export}}
        {{#has_holds}}<h2>{{t.holds}}</h2><ul id="holds">{{#holds}}<li><span class="badge p5">{{kind}}</span> {{what}} · {{reason}} · {{placed_by}} {{placed_at}}</li>{{/holds}}</ul>{{/has_holds}}</div></div>
        <div class="card" id="content"><h2>{{t.what_camera_saw}}</h2>
        {{#content_pending}}<p class="muted" id="analysis-state">{{t.analysis_pending}}</p>{{/content_pending}}
        {{#content_failed}}<p class="warn" id="analysis-state">{{t.analysis_failed}} {{content_error}}</p>{{/content_failed}}
        {{#content_done}}<div id="profile-chart">{{{content_chart}}}</div>
        {{#has_stretches}}<table id="stretches"><thead><tr><th>{{t.stretch}}</th><th>{{t.from}}</th><th>{{t.to}}</th><th>{{t.duration}}</th><th></th></tr></thead><tbody>
        {{#stretches}}<tr class="stretch-{{kind}}"><td><span class="badge p{{priority}}">{{label}}</span></td><td>{{from}}</td><td>{{to}}</td><td>{{length}}</td>
        <td class="noprint"><button class="ghost" onclick="var v=document.getElementById('clip-player');v.currentTime={{at}};v.play()">{{t.watch_stretch}}</button></td></tr>{{/stretches}}</tbody></table>{{/has_stretches}}
        {{^has_stretches}}<p class="muted" id="no-stretches">{{t.no_stretches}}</p>{{/has_stretches}}
        <p class="muted">{{t.analysis_basis}}</p>{{/content_done}}</div>
        {{#recorder}}<div class="card" id="recorder"><h2>{{t.recorder_said}}</h2><div class="grid"><div><dl class="facts">
        <dt>{{t.trigger_on}}</dt><dd id="trigger-on">{{trigger_on}}</dd><dt>{{t.trigger_off}}</dt><dd id="trigger-off">{{trigger_off}}</dd>
        <dt>{{t.prebuffer}}</dt><dd id="prebuffer"{{#prebuffer_short}} class="warn"{{/prebuffer_short}}>{{prebuffer}}</dd>
        <dt>{{t.camera_model}}</dt><dd>{{camera_model}}</dd><dt>{{t.camera_zone}}</dt><dd>{{camera_zone}}</dd></dl>
        <h3>{{t.bookmarks}}</h3>{{#has_bookmarks}}<table id="bookmarks"><tbody>{{#bookmarks}}<tr><td>{{at}}</td><td>{{#category}}<span class="badge p5">{{category}}</span> {{/category}}{{text}} <span class="muted">{{tags}}</span></td>
        <td class="noprint">{{#offset}}<button class="ghost" onclick="var v=document.getElementById('clip-player');v.currentTime={{offset}};v.play()">{{t.bookmark_play}}</button>{{/offset}}</td></tr>{{/bookmarks}}</tbody></table>{{/has_bookmarks}}
        {{^has_bookmarks}}<p class="muted">{{t.bookmarks_none}}</p>{{/has_bookmarks}}</div>
        <div><h3>{{t.gnss_track}} <span class="muted">{{gnss_count}}</span></h3>{{#gnss_svg}}{{{gnss_svg}}}{{/gnss_svg}}{{^gnss_svg}}<p class="muted">{{t.gnss_none}}</p>{{/gnss_svg}}</div></div></div>{{/recorder}}
        <div class="card"><h2>{{t.receipts}}</h2><table><thead><tr><th>{{t.received}}</th><th>{{t.original_name}}</th><th></th></tr></thead><tbody>
        {{#receipts}}<tr><td>{{received}}</td><td class="mono" style="word-break:break-all">{{name}}</td><td class="muted">{{method}}</td></tr>{{/receipts}}</tbody></table></div>
        <div class="card"><h2>{{t.review}}</h2>{{{review}}}</div>
        """

    static let reports = """
        <h1>{{t.reports}} <span class="muted" style="font-size:15px">{{period}}</span></h1>
        <div class="card noprint"><p class="tabs"><a href="{{prev_link}}">← {{t.previous}}</a>
        <a href="{{day_link}}" class="{{#is_daily}}active{{/is_daily}}">{{t.daily_report}}</a><a href="{{week_link}}" class="{{^is_daily}}active{{/is_daily}}">{{t.weekly_report}}</a>
        <a href="{{next_link}}">{{t.next}} →</a></p>
        {{#stem}}<p>{{t.report_files}}: <a href="/reports/files/{{stem}}.zh.html">中文 HTML</a> · <a href="/reports/files/{{stem}}.en.html">English HTML</a> · <a href="/reports/files/{{stem}}.csv">CSV</a> · <a href="/reports/files/{{stem}}.json">JSON</a></p>{{/stem}}
        {{^stem}}<p class="muted">{{t.report_not_written}}</p>{{/stem}}
        <p class="muted">{{t.report_live}}</p></div>
        <div class="card">{{{report}}}</div>
        <div class="card noprint"><h2>{{t.report_archive}}</h2><p>{{#stored}}<a href="/reports?period={{.}}">{{.}}</a> {{/stored}}{{^stored}}<span class="muted">—</span>{{/stored}}</p></div>
        """

    static let message = """
        <div class="card" id="message" style="max-width:560px;margin:60px auto;"><h1>{{heading}}</h1><p class="text">{{text}}</p>
        {{#kept}}<p class="muted">{{t.draft_kept}}</p>{{/kept}}
        <p>{{#back}}<a id="back" href="{{back}}">{{t.go_back}}</a> · {{/back}}<a id="home" href="{{home}}">{{home_label}}</a></p></div>
        """
}
