/// The pages' Mustache templates, kept in code so the binary needs no resource files.
/// `{{…}}` escapes HTML; `{{{…}}}` is used only for markup built by `HTML`/`Timeline` (escaped there).
enum Templates {
    static let all: [String: String] = [
        "layout": layout, "login": login, "queue": queue, "incident": incident, "clip": clip,
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
        header { display:flex; align-items:center; gap:24px; padding:10px 24px; background:#14283f; color:#fff; }
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
        @media print { header, .noprint { display:none; } body { background:#fff; } .card { border:0; } }
        </style></head>
        <body>
        <header><span class="brand">{{t.app}}</span>
        {{#user}}<nav>{{#officer}}<a href="/my" class="{{#nav_my}}active{{/nav_my}}">{{t.my_footage}}</a>{{/officer}}{{#can_queue}}<a href="/queue" class="{{#nav_queue}}active{{/nav_queue}}">{{t.queue}}</a>{{/can_queue}}{{#can_reports}}<a href="/reports" class="{{#nav_reports}}active{{/nav_reports}}">{{t.reports}}</a>{{/can_reports}}</nav>{{/user}}
        <span class="me">{{#user}}<span>{{name}} · {{role}}</span>{{/user}}
        <a href="/lang/{{other_lang}}?next={{next}}">{{t.switch_language}}</a>
        {{#user}}<form class="inline" method="post" action="/logout"><input type="hidden" name="_csrf" value="{{csrf}}"><button>{{t.sign_out}}</button></form>{{/user}}
        </span></header>
        <main>{{#flash}}<div class="flash">{{flash}}</div>{{/flash}}{{{body}}}</main>
        </body></html>
        """

    static let login = """
        <div class="card" style="max-width:380px;margin:60px auto;">
        <h1>{{t.sign_in}}</h1>
        <form method="post" action="/login">
        <input type="hidden" name="next" value="{{next}}">
        <p><label>{{t.username}}<br><input name="username" autocomplete="username" required style="width:100%;padding:6px"></label></p>
        <p><label>{{t.password}}<br><input name="password" type="password" autocomplete="current-password" required style="width:100%;padding:6px"></label></p>
        <p><button class="primary">{{t.sign_in}}</button></p>
        </form></div>
        """

    static let queue = """
        <h1>{{t.queue}} <span class="muted" style="font-size:15px">{{total}} {{items_word}}</span></h1>
        <p class="tabs">{{#tabs}}<a href="/queue?state={{key}}" class="{{#active}}active{{/active}}">{{label}} ({{count}})</a>{{/tabs}}</p>
        {{#empty}}<div class="card muted">{{t.no_items}}</div>{{/empty}}
        {{^empty}}<table><thead><tr><th>#</th><th>{{t.reason}}</th><th>{{t.incident}}</th><th>{{t.officer}}</th><th>{{t.occurred}}</th><th>{{t.state}}</th><th>{{t.claimed_by}}</th><th class="noprint">{{t.actions}}</th></tr></thead><tbody>
        {{#items}}<tr>
        <td class="muted">{{id}}</td><td><span class="badge p{{priority}}">{{reason_label}}</span></td>
        <td>{{#incident_id}}<a href="{{incident_link}}">{{incident_id}}</a>{{/incident_id}}{{#clip_link}}<a href="{{clip_link}}" class="mono">{{clip_short}}…</a>{{/clip_link}}</td>
        <td>{{officer}}</td><td>{{occurred}}</td><td>{{state_label}}</td><td>{{claimed_by}}{{#lease}}<div class="muted" style="font-size:12px">{{t.lease_until}} {{lease}}</div>{{/lease}}</td>
        <td class="noprint">{{#can_claim}}<form class="inline" method="post" action="/queue/{{id}}/claim"><input type="hidden" name="_csrf" value="{{csrf}}"><button class="primary">{{t.claim}}</button></form> {{/can_claim}}<a href="{{view_link}}">{{t.view}}</a></td>
        </tr>{{/items}}
        </tbody></table>
        <div class="pager">{{#prev}}<a href="{{prev}}">← {{t.previous}}</a>{{/prev}}<span class="muted">{{range}}</span>{{#next}}<a href="{{next}}">{{t.next}} →</a>{{/next}}</div>{{/empty}}
        """

    static let incident = """
        <h1>{{t.incident}} {{incident_id}} {{#category}}<span class="muted" style="font-size:15px">· {{category}}</span>{{/category}}</h1>
        <div class="card"><dl class="facts">
        {{#station}}<dt>{{t.station}}</dt><dd>{{station}}</dd>{{/station}}{{#location}}<dt>{{t.location}}</dt><dd>{{location}}</dd>{{/location}}
        <dt>{{t.times_in}}</dt><dd>{{zone}}</dd></dl></div>
        {{#officers}}<div class="card"><h2>{{t.officer}} {{officer_id}} {{#judged}}<span class="muted">· {{t.coverage}} {{coverage}}</span>{{/judged}}{{^judged}}<span class="muted">· {{t.not_judged}}</span>{{/judged}}</h2>
        <div class="legend"><span><i style="background:#d5dbe3"></i>{{t.required_window}}</span><span><i style="background:#27ae60"></i>{{t.recorded}}</span><span><i style="background:#e74c3c"></i>{{t.gap}}</span></div>
        {{{svg}}}
        {{#findings.count}}{{/findings.count}}
        <table><thead><tr><th>{{t.findings}}</th><th>{{t.started}}</th><th>{{t.ended}}</th><th>{{t.duration}}</th><th class="noprint"></th></tr></thead><tbody>
        {{#findings}}<tr><td><span class="badge p{{priority}}">{{label}}</span></td><td>{{start}}</td><td>{{end}}</td><td>{{length}}</td>
        <td class="noprint">{{#jump_clip}}<button class="ghost" onclick="jump('{{jump_clip}}', {{jump_at}})">{{t.jump_to_gap}}</button>{{/jump_clip}}</td></tr>{{/findings}}
        {{^findings}}<tr><td colspan="5" class="muted">{{t.no_findings}}</td></tr>{{/findings}}
        </tbody></table></div>{{/officers}}
        <div class="grid"><div class="card"><h2>{{t.clips}}</h2>
        <video id="player" controls preload="metadata"></video>
        <div class="thumbs" style="margin-top:10px">{{#clips}}<figure><img src="/api/clips/{{sha}}/thumbnail" alt="" loading="lazy" onclick="jump('{{sha}}', 0)"><figcaption>{{officer}} · {{start}} · {{length}}</figcaption></figure>{{/clips}}</div></div>
        <div class="card"><h2>{{t.review}}</h2>{{{review}}}</div></div>
        <script>
        function jump(sha, at) { var v = document.getElementById('player'); var src = '/api/clips/' + sha + '/media';
          if (!v.src.endsWith(src)) { v.src = src; v.addEventListener('loadedmetadata', function once() { v.removeEventListener('loadedmetadata', once); v.currentTime = at; v.play(); }); }
          else { v.currentTime = at; v.play(); } }
        </script>
        """

    static let review = """
        {{#reviewed}}<p><span class="badge p8">{{t.reviewed}}</span> {{verdict_label}} · {{reviewed_by}} · {{reviewed_at}}</p>{{#checklist}}<p>{{.}}</p>{{/checklist}}{{#note}}<p class="muted">{{note}}</p>{{/note}}
        {{#can_reopen}}<form method="post" action="/queue/{{id}}/reopen"><input type="hidden" name="_csrf" value="{{csrf}}"><button class="ghost">{{t.reopen}}</button></form>{{/can_reopen}}{{/reviewed}}
        {{#claimable}}<p class="muted">{{t.claim_to_review}}</p><form method="post" action="/queue/{{id}}/claim"><input type="hidden" name="_csrf" value="{{csrf}}"><button class="primary">{{t.claim}}</button></form>{{/claimable}}
        {{#held_by_other}}<p class="muted">{{t.held_by_other}} ({{claimed_by}})</p>{{/held_by_other}}
        {{#mine}}<form method="post" action="/queue/{{id}}/verdict"><input type="hidden" name="_csrf" value="{{csrf}}">
        <p><strong>{{t.verdict}}</strong><br>{{#verdicts}}<label style="margin-right:14px"><input type="radio" name="verdict" value="{{code}}" required> {{label}}</label>{{/verdicts}}</p>
        <p><strong>{{t.checklist}}</strong></p><div class="checks">{{#codes}}<label><input type="checkbox" name="checklist" value="{{code}}"> {{label}}</label>{{/codes}}</div>
        <p><label><strong>{{t.note}}</strong><br><textarea name="note" rows="3" style="width:100%"></textarea></label></p>
        <p><button class="primary">{{t.save_verdict}}</button></p></form>
        <form method="post" action="/queue/{{id}}/release"><input type="hidden" name="_csrf" value="{{csrf}}"><button class="ghost">{{t.release}}</button></form>{{/mine}}
        {{#no_item}}<p class="muted">—</p>{{/no_item}}
        """

    static let clip = """
        <h1>{{t.clip}} <span class="mono">{{sha_short}}…</span></h1>
        <div class="grid"><div class="card"><video controls preload="metadata" src="/api/clips/{{sha}}/media"></video></div>
        <div class="card"><dl class="facts">
        <dt>{{t.officer}}</dt><dd>{{officer}}</dd><dt>{{t.started}}</dt><dd>{{start}}</dd><dt>{{t.duration}}</dt><dd>{{length}}</dd>
        <dt>{{t.integrity}}</dt><dd>{{integrity}}</dd><dt>SHA-256</dt><dd class="mono" style="word-break:break-all">{{sha}}</dd>
        <dt>{{t.linked_incidents}}</dt><dd>{{#incidents}}<a href="{{link}}">{{id}}</a> {{/incidents}}{{^incidents}}—{{/incidents}}</dd></dl></div></div>
        <div class="card"><h2>{{t.receipts}}</h2><table><thead><tr><th>{{t.received}}</th><th>{{t.original_name}}</th><th></th></tr></thead><tbody>
        {{#receipts}}<tr><td>{{received}}</td><td class="mono">{{name}}</td><td class="muted">{{method}}</td></tr>{{/receipts}}</tbody></table></div>
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
        <div class="card" style="max-width:520px;margin:60px auto;"><h1>{{heading}}</h1><p>{{text}}</p><p><a href="/queue">{{t.queue}}</a></p></div>
        """
}
