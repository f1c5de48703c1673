/// The pages around the review loop (issue 13): search, the incidents list, the audit trail and
/// a clip's chain of custody, holds, imports, accounts and station tokens.
extension Templates {
    static let workplace: [String: String] = [
        "queue": queue, "incidents": incidents, "audit": audit, "custody": custody, "holds": holds, "imports": imports,
        "import_report": importReport, "accounts": accounts, "tokens": tokens, "exports": exports,
    ]

    /// Disclosure packages made (issue 17) and the signing key that checks them.
    static let exports = """
        <h1>{{t.exports}}</h1>
        {{#has_done}}<div class="card notice" id="export-done"><p>{{t.export_done}} <code class="mono">{{done}}</code></p></div>{{/has_done}}
        <div class="card"><h2>{{t.signing_key}}</h2><p class="muted">{{t.signing_key_hint}}</p>
        <p><span class="muted">{{t.fingerprint}}</span> <code id="key-fingerprint" class="mono">{{fingerprint}}</code></p>
        <pre class="mono" style="font-size:12px">{{public_key}}</pre></div>
        {{#empty}}<div class="card muted">{{t.no_exports}}</div>{{/empty}}
        {{^empty}}<div class="scroll"><table id="exports"><thead><tr><th>{{t.export_name}}</th><th>{{t.exported_at}}</th><th>{{t.exported_by}}</th><th>{{t.reason}}</th><th>{{t.files}}</th><th>{{t.package_sha}}</th></tr></thead><tbody>
        {{#exports}}<tr{{#done}} class="highlight"{{/done}}><td class="mono">{{name}}<br><span class="muted">{{path}}</span></td><td>{{at}}</td><td>{{by}}</td><td>{{reason}}</td><td>{{files}} · {{size}}</td><td class="mono" style="word-break:break-all">{{sha}}</td></tr>{{/exports}}
        </tbody></table></div>{{/empty}}
        <p class="muted">{{t.export_check}}</p>
        """

    /// A `<select>` of `options` (`value`, `label`, `selected`) under the field `name`.
    static let pager = """
        <div class="pager">{{#prev}}<a id="prev" href="{{prev}}">← {{t.previous}}</a>{{/prev}}<span class="muted">{{range}}</span>{{#next}}<a id="next" href="{{next}}">{{t.next}} →</a>{{/next}}</div>
        """

    static let queue = """
        <h1>{{t.queue}} <span class="muted" style="font-size:15px" id="queue-count">{{total}} {{items_word}}</span></h1>
        <p class="tabs">{{#tabs}}<a href="{{link}}" class="{{#active}}active{{/active}}">{{label}} ({{count}})</a>{{/tabs}}</p>
        <form id="queue-filter" class="filters card" method="get" action="/queue">
        <label>{{t.incident}}<input name="incident" value="{{f.incident}}" size="14"></label>
        <label>{{t.officer}}<input name="officer" value="{{f.officer}}" size="8"></label>
        <label>{{t.station}}<select name="station"><option value="">{{t.any}}</option>{{#stations}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/stations}}</select></label>
        <label>{{t.category}}<select name="category"><option value="">{{t.any}}</option>{{#categories}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/categories}}</select></label>
        <label>{{t.reason}}<select name="reason"><option value="">{{t.any}}</option>{{#reasons}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/reasons}}</select></label>
        <label>{{t.claimed_by}}<input name="reviewer" value="{{f.reviewer}}" size="8" list="reviewer-names"></label>
        <datalist id="reviewer-names">{{#reviewers}}<option value="{{.}}">{{/reviewers}}</datalist>
        <label>{{t.from_day}}<input type="date" name="from" value="{{f.from}}"></label>
        <label>{{t.to_day}}<input type="date" name="to" value="{{f.to}}"></label>
        <label>{{t.state}}<select name="state">{{#states}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/states}}</select></label>
        <label>{{t.sort}}<select name="sort">{{#sorts}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/sorts}}</select></label>
        <button class="primary" id="filter">{{t.search}}</button> <a href="/queue">{{t.clear_filters}}</a>
        </form>
        {{#empty}}<div class="card muted">{{t.no_items}}</div>{{/empty}}
        {{^empty}}<div class="scroll"><table id="queue-table"><thead><tr><th>#</th><th>{{t.reason}}</th><th>{{t.incident}}</th><th>{{t.officer}}</th><th class="wide">{{t.station}}</th><th>{{t.occurred}}</th><th>{{t.state}}</th><th>{{t.claimed_by}}</th><th>{{t.verdict}}</th><th class="noprint">{{t.actions}}</th></tr></thead><tbody>
        {{#items}}<tr data-item-id="{{id}}">
        <td class="muted">{{id}}</td><td class="reason"><span class="badge p{{priority}}">{{reason_label}}</span></td>
        <td class="incident">{{#incident_id}}<a href="{{incident_link}}">{{incident_id}}</a>{{/incident_id}}{{#clip_link}}<a href="{{clip_link}}" class="mono">{{clip_short}}…</a>{{/clip_link}}</td>
        <td class="officer">{{officer}}</td><td class="wide">{{station}}</td><td>{{occurred}}</td><td class="state">{{state_label}}</td>
        <td class="reviewer">{{claimed_by}}{{#lease}}<div class="muted" style="font-size:12px">{{t.lease_until}} {{lease}}</div>{{/lease}}</td>
        <td class="verdict">{{verdict_label}}</td>
        <td class="noprint">{{#can_claim}}<form class="inline" method="post" action="/queue/{{id}}/claim"><input type="hidden" name="_csrf" value="{{csrf}}"><button class="primary claim">{{t.claim}}</button></form> {{/can_claim}}<a href="{{view_link}}">{{t.view}}</a></td>
        </tr>{{/items}}
        </tbody></table></div>
        \(pager){{/empty}}
        """

    static let incidents = """
        <h1>{{t.incidents}} <span class="muted" style="font-size:15px" id="incident-count">{{total}} {{t.calls_word}}</span></h1>
        <form id="incident-filter" class="filters card" method="get" action="/incidents">
        <label>{{t.incident}}<input name="incident" value="{{f.incident}}" size="14"></label>
        <label>{{t.officer}}<input name="officer" value="{{f.officer}}" size="8"></label>
        <label>{{t.station}}<select name="station"><option value="">{{t.any}}</option>{{#stations}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/stations}}</select></label>
        <label>{{t.category}}<select name="category"><option value="">{{t.any}}</option>{{#categories}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/categories}}</select></label>
        <label>{{t.finding_kind}}<select name="kind"><option value="">{{t.any}}</option>{{#kinds}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/kinds}}</select></label>
        <label>{{t.from_day}}<input type="date" name="from" value="{{f.from}}"></label>
        <label>{{t.to_day}}<input type="date" name="to" value="{{f.to}}"></label>
        <button class="primary" id="filter">{{t.search}}</button> <a href="/incidents">{{t.clear_filters}}</a>
        </form>
        {{#empty}}<div class="card muted">{{t.no_incidents}}</div>{{/empty}}
        {{^empty}}<div class="scroll"><table id="incident-table"><thead><tr><th>{{t.incident}}</th><th>{{t.t_received}}</th><th>{{t.category}}</th><th>{{t.priority}}</th><th class="wide">{{t.station}}</th><th>{{t.officer}}</th><th>{{t.clips}}</th><th>{{t.findings}}</th><th>{{t.open_items}}</th></tr></thead><tbody>
        {{#rows}}<tr data-incident-id="{{id}}"><td><a href="{{link}}">{{id}}</a></td><td>{{received}}</td><td>{{category}}</td><td>{{priority}}</td><td class="wide">{{station}}</td><td>{{officers}}</td><td>{{clips}}</td><td>{{findings}}</td><td>{{open_items}}</td></tr>{{/rows}}
        </tbody></table></div>
        \(pager){{/empty}}
        """

    static let audit = """
        <h1>{{t.audit_trail}} <span class="muted" style="font-size:15px" id="audit-count">{{total}} {{t.entries_word}}</span></h1>
        <p id="chain-state" class="{{chain_class}}">{{chain_text}}</p>
        <form id="audit-filter" class="filters card" method="get" action="/audit">
        <label>{{t.subject}}<input name="subject" value="{{f.subject}}" size="30" placeholder="{{t.subject_hint}}"></label>
        <label>{{t.actor}}<input name="actor" value="{{f.actor}}" size="10"></label>
        <label>{{t.action}}<select name="action"><option value="">{{t.any}}</option>{{#actions}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/actions}}</select></label>
        <label>{{t.from_day}}<input type="date" name="from" value="{{f.from}}"></label>
        <label>{{t.to_day}}<input type="date" name="to" value="{{f.to}}"></label>
        <button class="primary" id="filter">{{t.search}}</button> <a href="/audit">{{t.clear_filters}}</a>
        </form>
        {{#empty}}<div class="card muted">{{t.no_entries}}</div>{{/empty}}
        {{^empty}}<div class="scroll"><table id="audit-table"><thead><tr><th>#</th><th>{{t.when}}</th><th>{{t.actor}}</th><th>{{t.action}}</th><th>{{t.subject}}</th><th class="wide">{{t.detail}}</th></tr></thead><tbody>
        {{#entries}}<tr data-entry-id="{{id}}"><td class="muted">{{id}}</td><td>{{at}}</td><td class="actor">{{actor}}</td><td class="action">{{action_label}}</td>
        <td class="subject mono" style="word-break:break-all">{{#subject_link}}<a href="{{subject_link}}">{{subject}}</a>{{/subject_link}}{{^subject_link}}{{subject}}{{/subject_link}}</td><td class="wide mono" data-raw style="word-break:break-all;font-size:12px">{{detail}}</td></tr>{{/entries}}
        </tbody></table></div>
        \(pager){{/empty}}
        """

    static let custody = """
        <h1>{{t.chain_of_custody}} <span class="mono" style="font-size:15px">{{sha_short}}…</span></h1>
        <div class="card"><dl class="facts"><dt>SHA-256</dt><dd class="mono" style="word-break:break-all">{{sha}}</dd>
        <dt>{{t.officer}}</dt><dd>{{officer}}</dd><dt>{{t.stored_in}}</dt><dd>{{location}}</dd>
        <dt>{{t.last_verified}}</dt><dd>{{verified}}</dd></dl>
        <p id="chain-state" class="{{chain_class}}">{{chain_text}}</p>
        <p><a href="/clips/{{sha}}">{{t.back_to_clip}}</a> · <a href="/audit?subject={{sha}}">{{t.audit_trail}}</a></p></div>
        <div class="scroll"><table id="custody-table"><thead><tr><th>#</th><th>{{t.when}}</th><th>{{t.actor}}</th><th>{{t.action}}</th><th class="wide">{{t.detail}}</th><th class="wide">{{t.entry_hash}}</th></tr></thead><tbody>
        {{#entries}}<tr data-entry-id="{{id}}"><td class="muted">{{id}}</td><td>{{at}}</td><td>{{actor}}</td><td>{{action_label}}</td><td class="wide mono" data-raw style="word-break:break-all;font-size:12px">{{detail}}</td><td class="wide mono" style="font-size:12px">{{hash_short}}…</td></tr>{{/entries}}
        {{^entries}}<tr><td colspan="6" class="muted">{{t.no_entries}}</td></tr>{{/entries}}
        </tbody></table></div>
        """

    static let holds = """
        <h1>{{t.holds}} <span class="muted" style="font-size:15px">{{active_count}} {{t.in_force}}</span></h1>
        {{#can_place}}<form id="add-hold" class="filters card" method="post" action="/holds"><input type="hidden" name="_csrf" value="{{csrf}}">
        <label>{{t.hold_kind}}<select name="kind"><option value="legal_hold">{{t.hold_legal_hold}}</option><option value="case_evidence">{{t.hold_case_evidence}}</option></select></label>
        <label>{{t.incident}}<input name="incident" size="16"></label>
        <label>{{t.or_clip}}<input name="clip" size="40" placeholder="SHA-256"></label>
        <label style="flex:1">{{t.hold_reason}}<input name="reason" required maxlength="400"></label>
        <button class="primary" id="add">{{t.place_hold}}</button></form>{{/can_place}}
        <p class="tabs"><a href="/holds" class="{{^all}}active{{/all}}">{{t.in_force}}</a><a href="/holds?all=1" class="{{#all}}active{{/all}}">{{t.all}}</a></p>
        {{#empty}}<div class="card muted">{{t.no_holds}}</div>{{/empty}}
        {{^empty}}<div class="scroll"><table id="holds-table"><thead><tr><th>#</th><th>{{t.hold_kind}}</th><th>{{t.held_what}}</th><th>{{t.hold_reason}}</th><th>{{t.placed}}</th><th>{{t.state}}</th><th class="noprint"></th></tr></thead><tbody>
        {{#holds}}<tr data-hold-id="{{id}}"><td class="muted">{{id}}</td><td>{{kind}}</td>
        <td>{{#incident_link}}<a href="{{incident_link}}">{{what}}</a>{{/incident_link}}{{#clip_link}}<a class="mono" href="{{clip_link}}">{{what}}</a>{{/clip_link}}</td>
        <td>{{reason}}</td><td>{{placed_by}} · {{placed_at}}</td><td>{{#active}}{{t.in_force}}{{/active}}{{^active}}{{t.hold_released}}: {{released}}{{/active}}</td>
        <td class="noprint">{{#active}}{{#can_place}}<form class="release-hold filters" method="post" action="/holds/{{id}}/release"><input type="hidden" name="_csrf" value="{{csrf}}"><input name="reason" required maxlength="400" placeholder="{{t.release_reason}}"><button class="ghost release">{{t.release_hold}}</button></form>{{/can_place}}{{/active}}</td></tr>{{/holds}}
        </tbody></table></div>{{/empty}}
        """

    static let imports = """
        <h1>{{t.imports}}</h1>
        <div class="card"><form id="import-form" class="filters" onsubmit="return false">
        <label>{{t.import_kind}}<select name="kind"><option value="dispatch">{{t.import_dispatch}}</option><option value="checkout">{{t.import_checkout}}</option></select></label>
        <label>{{t.mapping}}<select name="mapping"><option value="">{{t.mapping_standard}}</option>{{#mappings}}<option value="{{.}}">{{.}}</option>{{/mappings}}</select></label>
        <label>{{t.encoding}}<select name="encoding"><option value="">{{t.encoding_detect}}</option><option value="utf-8">UTF-8</option><option value="gb18030">GB18030 / GBK</option></select></label>
        <label>{{t.csv_file}}<input type="file" id="import-file" accept=".csv,text/csv,text/plain" required></label>
        <button class="primary" id="import">{{t.import_button}}</button></form>
        <p class="muted">{{t.import_hint}}</p></div>
        <div id="import-report"></div>
        <script>
        (function () {
          var form = document.getElementById('import-form'), out = document.getElementById('import-report');
          document.getElementById('import').addEventListener('click', function () {
            var file = document.getElementById('import-file').files[0];
            if (!file) { out.innerHTML = '<div class="flash">{{t.choose_file}}</div>'; return; }
            var q = '?kind=' + encodeURIComponent(form.kind.value) + '&mapping=' + encodeURIComponent(form.mapping.value)
              + '&encoding=' + encodeURIComponent(form.encoding.value) + '&name=' + encodeURIComponent(file.name);
            out.innerHTML = '<p class="muted">{{t.importing}}</p>';
            fetch('/imports' + q, { method: 'POST', credentials: 'same-origin', body: file,
                                    headers: { 'X-CSRF-Token': '{{csrf}}', 'Content-Type': 'text/csv' } })
              .then(function (r) { return r.text(); }).then(function (html) { out.innerHTML = html; })
              .catch(function () { out.innerHTML = '<div class="flash">{{t.import_network}}</div>'; });
          });
        })();
        </script>
        """

    static let importReport = """
        <div class="card"><h2>{{file}}</h2>
        {{#file_error}}<div class="flash">{{t.import_nothing}}: {{file_error}}</div>{{/file_error}}
        {{^file_error}}<dl class="facts"><dt>{{t.rows_read}}</dt><dd>{{rows_read}}{{#encoding}} ({{encoding}}){{/encoding}}</dd>
        <dt>{{t.imported}}</dt><dd id="import-imported">{{imported}}</dd><dt>{{t.rows_new}}</dt><dd>{{new}}</dd><dt>{{t.rows_updated}}</dt><dd>{{updated}}</dd>
        <dt>{{t.rejected}}</dt><dd id="import-rejected">{{rejected}}</dd>{{#extra}}<dt>{{label}}</dt><dd>{{value}}</dd>{{/extra}}</dl>
        {{#linked}}<p class="notice">{{linked}}</p>{{/linked}}
        {{#has_errors}}<h2>{{t.rejected_rows}}</h2><div class="scroll"><table id="import-errors"><thead><tr><th>{{t.line}}</th><th>{{t.reason}}</th></tr></thead><tbody>
        {{#errors}}<tr><td>{{line}}</td><td>{{reason}}</td></tr>{{/errors}}</tbody></table></div>{{#more}}<p class="muted">{{more}}</p>{{/more}}{{/has_errors}}{{/file_error}}
        </div>
        """

    static let accounts = """
        <h1>{{t.accounts}} <span class="muted" style="font-size:15px">{{count}}</span></h1>
        <form id="create-account" class="filters card" method="post" action="/admin/accounts"><input type="hidden" name="_csrf" value="{{csrf}}">
        <label>{{t.username}}<input name="name" required maxlength="64" autocomplete="off"></label>
        <label>{{t.role}}<select name="role">{{#roles}}<option value="{{value}}">{{label}}</option>{{/roles}}</select></label>
        <label>{{t.officer_id}}<input name="officer_id" size="8"></label>
        <label>{{t.password}}<input name="password" type="password" required minlength="10" autocomplete="new-password"></label>
        <button class="primary" id="create">{{t.create_account}}</button></form>
        <div class="scroll"><table id="accounts"><thead><tr><th>{{t.username}}</th><th>{{t.role}}</th><th>{{t.officer_id}}</th><th>{{t.status}}</th><th class="wide">{{t.created}}</th><th>{{t.actions}}</th></tr></thead><tbody>
        {{#accounts}}<tr data-user="{{name}}"><td>{{name}}</td><td class="role">{{role_label}}</td><td>{{officer_id}}</td><td class="status">{{status}}</td><td class="wide">{{created}}</td>
        <td>{{^station}}{{^self}}{{#disabled}}<form class="inline" method="post" action="/admin/accounts/{{name_path}}/enable"><input type="hidden" name="_csrf" value="{{csrf}}"><button class="ghost enable">{{t.enable}}</button></form>{{/disabled}}{{^disabled}}<form class="inline" method="post" action="/admin/accounts/{{name_path}}/disable"><input type="hidden" name="_csrf" value="{{csrf}}"><button class="ghost disable">{{t.disable}}</button></form>{{/disabled}}{{/self}}
        <form class="reset-password filters" method="post" action="/admin/accounts/{{name_path}}/password" style="margin-top:4px"><input type="hidden" name="_csrf" value="{{csrf}}"><input name="password" type="password" required minlength="10" placeholder="{{t.new_password}}" autocomplete="new-password"><button class="ghost reset">{{t.reset_password}}</button></form>
        <form class="change-role filters" method="post" action="/admin/accounts/{{name_path}}/role" style="margin-top:4px"><input type="hidden" name="_csrf" value="{{csrf}}"><select name="role">{{#role_options}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/role_options}}</select><input name="officer_id" size="8" value="{{officer_id}}" placeholder="{{t.officer_id}}"><button class="ghost change">{{t.change_role}}</button></form>{{/station}}{{#station}}<a href="/admin/tokens">{{t.station_tokens}}</a>{{/station}}</td></tr>{{/accounts}}
        </tbody></table></div>
        <div class="card" id="signing-key"><h2>{{t.signing_key}}</h2><p class="muted">{{t.signing_key_hint}}</p>
        <p><span class="muted">{{t.fingerprint}}</span> <code class="mono">{{fingerprint}}</code></p><pre class="mono" style="font-size:12px">{{public_key}}</pre></div>
        """

    static let tokens = """
        <h1>{{t.station_tokens}}</h1>
        {{#new_token}}<div class="card notice"><p>{{t.token_once}}</p><p><code id="new-token" class="mono" style="word-break:break-all">{{new_token}}</code></p></div>{{/new_token}}
        <form id="create-token" class="filters card" method="post" action="/admin/tokens"><input type="hidden" name="_csrf" value="{{csrf}}">
        <label>{{t.station_name}}<input name="station" required maxlength="64" placeholder="dock-01"></label>
        <label>{{t.valid_days}}<input name="days" type="number" min="1" max="3650" value="365"></label>
        <button class="primary" id="create-token-button">{{t.issue_token}}</button></form>
        {{#empty}}<div class="card muted">{{t.no_tokens}}</div>{{/empty}}
        {{^empty}}<div class="scroll"><table id="tokens"><thead><tr><th>{{t.token_id}}</th><th>{{t.station_name}}</th><th>{{t.created}}</th><th>{{t.expires}}</th><th></th></tr></thead><tbody>
        {{#tokens}}<tr data-token-id="{{id}}"><td class="mono">{{id}}</td><td>{{station}}</td><td>{{created}}</td><td>{{expires}}</td>
        <td><form class="inline" method="post" action="/admin/tokens/{{id}}/revoke"><input type="hidden" name="_csrf" value="{{csrf}}"><button class="ghost revoke">{{t.revoke}}</button></form></td></tr>{{/tokens}}
        </tbody></table></div>{{/empty}}
        """
}
