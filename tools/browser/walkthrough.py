"""Each role's daily work through the pages only, in a real browser (issue 13, acceptance 1).

usage: python walkthrough.py BASE_URL SAMPLES_DIR STRINGS_DIR   (run by tools/browser-test)

Selenium drives Debian's chromium through chromium-driver, headless, against a real
`custody demo` server. Every scenario runs in Chinese and in English; every page it visits is
checked for raw JSON and for string-table keys shown instead of words.
"""
import glob
import os
import re
import shutil
import sys
import tempfile
import time
import unittest
from datetime import datetime

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE = SAMPLES = STRINGS = ""
KEYS = set()
WAIT = 15

# What the pages say, per language (the string table's words).
WORDS = {
    "zh": {"violation": "违规", "disabled": "已停用", "active": "正常", "stored": "已保存", "held": "rita"},
    "en": {"violation": "Violation", "disabled": "Disabled", "active": "Active", "stored": "Stored"},
}


def load_keys():
    """Keys with an underscore from the string tables: shown as they are, one is untranslated."""
    keys = set()
    for path in glob.glob(os.path.join(STRINGS, "Strings*.swift")):
        with open(path, encoding="utf-8") as f:
            keys.update(k for k in re.findall(r'"([a-z0-9_]+)": \[', f.read()) if "_" in k)
    return keys


def gone(element):
    """True once `element`'s page has been replaced. Selenium's staleness_of expects
    StaleElementReferenceException; Chromium, mid-navigation, can instead answer "Node with given
    id does not belong to the document" (seen in CI on the token form), which means the same."""
    try:
        element.is_enabled()
        return False
    except StaleElementReferenceException:
        return True
    except WebDriverException as e:
        if "does not belong to the document" in str(e) or "No node with given id" in str(e):
            return True
        raise


class Browser:
    def __init__(self, lang, width=1400, height=1000):
        options = webdriver.ChromeOptions()
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    f"--window-size={width},{height}", "--lang=" + ("zh-CN" if lang == "zh" else "en-US")):
            options.add_argument(arg)
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        self.profile = tempfile.mkdtemp(prefix="custody-browser-")
        options.add_argument(f"--user-data-dir={self.profile}")
        service = Service(shutil.which("chromedriver") or "/usr/bin/chromedriver")
        self.d = webdriver.Chrome(options=options, service=service)
        self.d.set_page_load_timeout(60)
        if width < 500:
            # Headless Chromium's window is at least 500 px wide: emulate the phone's viewport.
            self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": True})
        self.lang = lang
        self.d.get(BASE + "/login")
        self.d.add_cookie({"name": "custody_lang", "value": lang, "path": "/"})

    def quit(self):
        self.d.quit()
        shutil.rmtree(self.profile, ignore_errors=True)

    # -- helpers ---------------------------------------------------------------------------
    def get(self, path):
        self.d.get(BASE + path)
        self.check_page()

    def path(self):
        return self.d.current_url[len(BASE):]

    def el(self, css, root=None):
        return WebDriverWait(root or self.d, WAIT).until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))

    def els(self, css):
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def click(self, css):
        WebDriverWait(self.d, WAIT).until(EC.element_to_be_clickable((By.CSS_SELECTOR, css))).click()

    def submit(self, css):
        """Clicks a button that sends a form and waits for the answer's page to replace this one
        (reading the old page's elements after the click would race the navigation)."""
        old = self.d.find_element(By.TAG_NAME, "html")
        self.click(css)
        WebDriverWait(self.d, WAIT).until(lambda d: gone(old))
        self.check_page()

    def wait_path(self, prefix):
        WebDriverWait(self.d, WAIT).until(lambda d: d.current_url[len(BASE):].startswith(prefix))
        self.check_page()

    def check_page(self):
        """No raw JSON, no untranslated key, the page's language is the one asked for."""
        source = self.d.page_source
        body = self.d.find_element(By.TAG_NAME, "body").text
        assert not body.lstrip().startswith('{"error"'), f"raw JSON on {self.path()}: {body[:120]}"
        # Audit details are shown as the log recorded them: not words to translate.
        for cell in self.d.find_elements(By.CSS_SELECTOR, "[data-raw]"):
            if cell.text.strip():
                body = body.replace(cell.text, " ")
        found = sorted(k for k in KEYS if re.search(r"(?<![A-Za-z0-9_])" + re.escape(k) + r"(?![A-Za-z0-9_])", body))
        assert not found, f"untranslated keys on {self.path()}: {found}"
        want = 'lang="zh-CN"' if self.lang == "zh" else 'lang="en"'
        assert want in source[:400], f"{self.path()} is not in {self.lang}"

    def sign_in(self, user, password=None, expect=None):
        self.d.get(BASE + "/login")
        self.el("input[name=username]").send_keys(user)
        self.el("input[name=password]").send_keys(password or f"{user}-demo")
        self.click("#sign-in")
        if expect:
            self.wait_path(expect)

    def sign_in_here(self, user, password=None):
        """Signs in on the login page the browser is on (keeping its `next`)."""
        self.el("input[name=username]").send_keys(user)
        self.el("input[name=password]").send_keys(password or f"{user}-demo")
        self.click("#sign-in")


def lease_until(b):
    return datetime.fromisoformat(b.el("#lease").get_attribute("data-lease-until").replace("Z", "+00:00"))


class Walkthrough(unittest.TestCase):
    def each_language(self, body):
        for lang in ("zh", "en"):
            with self.subTest(lang=lang):
                body(lang)

    # -- reviewer -------------------------------------------------------------------------
    def test_reviewer_searches_claims_renews_survives_a_lapsed_session_and_records_a_verdict(self):
        def run(lang):
            b = Browser(lang)
            try:
                b.sign_in("reviewer", expect="/queue")
                first = b.el("#queue-table tr[data-item-id] td.incident a").text
                form = b.el("#queue-filter")
                form.find_element(By.NAME, "incident").send_keys(first)
                b.submit("#filter")
                b.wait_path("/queue?")
                cells = b.els("#queue-table tr[data-item-id] td.incident")
                self.assertEqual({td.text for td in cells}, {first})
                # One item per officer on the call (0020 has two: no recording, muted sound).
                self.assertIn(str(len(cells)), b.el("#queue-count").text)
                row = b.el("#queue-table tr[data-item-id]")
                item = row.get_attribute("data-item-id")
                old = b.d.find_element(By.TAG_NAME, "html")
                row.find_element(By.CSS_SELECTOR, "button.claim").click()
                WebDriverWait(b.d, WAIT).until(lambda d: gone(old))
                b.wait_path("/incidents/")
                b.el("#verdict-form")
                self.assertTrue(b.els("video#player"), "the incident page has a player")
                before = lease_until(b)
                time.sleep(1.2)
                b.submit("#renew")
                self.assertGreater(lease_until(b), before)
                # Type a verdict, then the session ends before it is saved.
                note = f"未亮明身份 ({lang}) {time.time():.0f}"
                b.el("#note").send_keys(note)
                b.click("#verdict-form input[name=verdict][value=violation]")
                b.click("#verdict-form input[name=checklist][value=not_identified]")
                page = b.path()
                b.d.delete_cookie("custody_session")
                b.click("#save-verdict")
                b.wait_path("/login")
                b.sign_in_here("reviewer")
                b.wait_path(page.split("?")[0])
                self.assertEqual(b.el("#note").get_attribute("value"), note, "the draft survived the sign-in")
                self.assertTrue(b.el("#verdict-form input[value=violation]").is_selected())
                self.assertTrue(b.el("#verdict-form input[value=not_identified]").is_selected())
                b.submit("#save-verdict")
                shown = b.el("#verdict-shown")
                self.assertIn(WORDS[lang]["violation"], shown.text)
                self.assertIn("reviewer", shown.text)
                b.get("/queue?state=closed")
                row = b.el(f'#queue-table tr[data-item-id="{item}"]')
                self.assertEqual(row.find_element(By.CSS_SELECTOR, "td.reviewer").text.strip(), "reviewer")
                self.assertIn(WORDS[lang]["violation"], row.find_element(By.CSS_SELECTOR, "td.verdict").text)
            finally:
                b.quit()
        self.each_language(run)

    def test_a_claim_race_shows_a_readable_message(self):
        def run(lang):
            a, c = Browser(lang), Browser(lang)
            try:
                a.sign_in("reviewer", expect="/queue")
                c.sign_in("reviewer2", expect="/queue")
                link = a.el("#queue-table tr[data-item-id] td.incident a").get_attribute("href")[len(BASE):]
                a.get(link)
                c.get(link)
                a.submit("#claim")
                a.el("#verdict-form")
                c.submit("#claim")
                message = c.el("#message")
                c.check_page()
                self.assertIn("reviewer", message.find_element(By.CSS_SELECTOR, "p.text").text)
                self.assertNotIn('{"error"', c.d.page_source)
                c.click("#back")
                c.wait_path("/incidents/")
                # Leave it claimed by reviewer for the supervisor's release.
            finally:
                a.quit()
                c.quit()
        self.each_language(run)

    # -- supervisor -----------------------------------------------------------------------
    def test_supervisor_releases_reassigns_reopens_with_a_reason_and_reads_reports(self):
        def run(lang):
            b = Browser(lang)
            try:
                b.sign_in("supervisor", expect="/queue")
                b.get("/queue?state=claimed")
                b.el("#queue-table tr[data-item-id] td.incident a").click()
                b.wait_path("/incidents/")
                b.submit("#force-release")
                b.wait_path("/incidents/")
                b.el("#claim")
                Select(b.el("#reassign-form select[name=to]")).select_by_value("reviewer2")
                b.submit("#reassign")
                b.wait_path("/incidents/")
                self.assertIn("reviewer2", b.el("#review-panel").text)
                b.get("/queue?state=closed")
                b.el("#queue-table tr[data-item-id] td.incident a").click()
                b.wait_path("/incidents/")
                earlier = b.el("#verdict-shown").text
                reason = f"投诉复查 {lang}"
                b.el("#reopen-form textarea[name=reason]").send_keys(reason)
                b.submit("#reopen")
                b.wait_path("/incidents/")
                history = b.el("ol#history").text
                self.assertIn(reason, history)
                self.assertTrue(any(w in history for w in ("违规", "Violation", "合规", "Compliant", "情有可原", "Justified")), history)
                self.assertTrue(earlier)
                b.click("#nav-reports")
                b.wait_path("/reports")
                self.assertTrue(b.el("h1").text)
            finally:
                b.quit()
        self.each_language(run)

    # -- admin ----------------------------------------------------------------------------
    def test_admin_manages_an_account_and_a_station_token(self):
        def run(lang):
            b = Browser(lang)
            try:
                b.sign_in("admin", expect="/admin/accounts")
                name = f"walker-{lang}"
                form = b.el("#create-account")
                form.find_element(By.NAME, "name").send_keys(name)
                Select(form.find_element(By.NAME, "role")).select_by_value("reviewer")
                form.find_element(By.NAME, "password").send_keys("first password 1")
                b.submit("#create")
                row = f'#accounts tr[data-user="{name}"]'
                self.assertEqual(b.el(row + " td.status").text, WORDS[lang]["active"])
                b.submit(row + " button.disable")
                self.assertEqual(b.el(row + " td.status").text, WORDS[lang]["disabled"])
                other = Browser(lang)
                try:
                    other.sign_in(name, "first password 1")
                    other.el(".flash")
                    self.assertTrue(other.path().startswith("/login"))
                    b.submit(row + " button.enable")
                    self.assertEqual(b.el(row + " td.status").text, WORDS[lang]["active"])
                    other.sign_in(name, "first password 1", expect="/queue")
                    b.el(row + " form.reset-password input[name=password]").send_keys("second password 2")
                    b.submit(row + " button.reset")
                    b.el(".notice")
                    fresh = Browser(lang)
                    try:
                        fresh.sign_in(name, "first password 1")
                        fresh.el(".flash")
                        fresh.sign_in(name, "second password 2", expect="/queue")
                    finally:
                        fresh.quit()
                finally:
                    other.quit()
                b.click("#nav-tokens")
                b.wait_path("/admin/tokens")
                form = b.el("#create-token")
                form.find_element(By.NAME, "station").send_keys(f"dock-{lang}")
                b.submit("#create-token-button")
                token = b.el("code#new-token").text
                self.assertEqual(len(token), 64)
                rows = [r for r in b.els("#tokens tr[data-token-id]") if f"dock-{lang}" in r.text]
                self.assertEqual(len(rows), 1)
                token_id = rows[0].get_attribute("data-token-id")
                old = b.d.find_element(By.TAG_NAME, "html")
                rows[0].find_element(By.CSS_SELECTOR, "button.revoke").click()
                WebDriverWait(b.d, WAIT).until(lambda d: gone(old))
                self.assertFalse(b.els(f'#tokens tr[data-token-id="{token_id}"]'))
            finally:
                b.quit()
        self.each_language(run)

    # -- auditor --------------------------------------------------------------------------
    def test_auditor_filters_the_audit_trail_by_one_clip(self):
        def run(lang):
            b = Browser(lang)
            try:
                b.sign_in("auditor", expect="/queue")
                b.get("/incidents/110-20240214-0008")
                sha = b.el(".thumbs a[href^='/clips/']").get_attribute("href").rsplit("/", 1)[1]
                b.click("#nav-audit")
                b.wait_path("/audit")
                b.el("#audit-filter input[name=subject]").send_keys(sha)
                b.submit("#filter")
                b.wait_path("/audit?")
                subjects = {td.text.strip() for td in b.els("#audit-table td.subject")}
                self.assertEqual(subjects, {sha})
                self.assertIn("ok", b.el("#chain-state").get_attribute("class"))
                b.get(f"/clips/{sha}/custody")
                self.assertTrue(b.els("#custody-table tr[data-entry-id]"))
                self.assertIn("ok", b.el("#chain-state").get_attribute("class"))
            finally:
                b.quit()
        self.each_language(run)

    # -- officer --------------------------------------------------------------------------
    def test_officer_uploads_on_a_phone_and_sees_the_clip_listed(self):
        def run(lang):
            b = Browser(lang, width=390, height=844)
            work = tempfile.mkdtemp(prefix="custody-upload-")
            try:
                b.sign_in("officer", expect="/my")
                self.assertLessEqual(b.d.execute_script("return document.documentElement.scrollWidth"), 390)
                source = sorted(glob.glob(os.path.join(SAMPLES, "footage", "J0012345_012345_*_0001.mp4")))[0]
                name = f"J0012345_012345_20240214150{'1' if lang == 'zh' else '2'}00_0099.mp4"
                path = os.path.join(work, name)
                shutil.copy(source, path)
                with open(path, "ab") as f:  # a new file, not a duplicate of the sample
                    f.write(os.urandom(64))
                b.el("input#files").send_keys(path)
                WebDriverWait(b.d, 90).until(lambda d: WORDS[lang]["stored"] in d.find_element(By.ID, "progress").text)
                WebDriverWait(b.d, 30).until(lambda d: name in d.find_element(By.ID, "my-clips").text)
                b.check_page()
                self.assertLessEqual(b.d.execute_script("return document.documentElement.scrollWidth"), 390)
            finally:
                b.quit()
                shutil.rmtree(work, ignore_errors=True)
        self.each_language(run)

    # -- every role's pages, both languages ------------------------------------------------
    def test_every_page_of_every_role_is_translated(self):
        pages = {
            "reviewer": ["/queue", "/queue?state=mine", "/incidents", "/incidents/110-20240214-0020", "/no/such/page"],
            "supervisor": ["/queue?state=all&sort=newest", "/holds", "/imports", "/reports"],
            "auditor": ["/audit", "/holds?all=1", "/reports?period=2024-W07"],
            "admin": ["/admin/accounts", "/admin/tokens", "/imports", "/queue"],
            "officer": ["/my", "/queue"],
        }

        def run(lang):
            b = Browser(lang)
            try:
                for user, paths in pages.items():
                    b.d.delete_cookie("custody_session")
                    b.sign_in(user)
                    for p in paths:
                        b.get(p)
            finally:
                b.quit()
        self.each_language(run)


if __name__ == "__main__":
    BASE, SAMPLES, STRINGS = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    KEYS = load_keys()
    unittest.main(argv=[sys.argv[0], "-v"], verbosity=2)
