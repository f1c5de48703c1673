import Foundation

/// The UI's words in Chinese (zh-CN) and English, chosen by cookie or Accept-Language.
enum Language: String, Sendable, CaseIterable {
    case zh, en

    /// `custody_lang` cookie first, then the first of Accept-Language we speak; Chinese by default.
    static func choose(cookie: String?, acceptLanguage: String?) -> Language {
        if let cookie, let chosen = Language(rawValue: cookie) { return chosen }
        for part in (acceptLanguage ?? "").split(separator: ",") {
            let tag = part.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            if tag.hasPrefix("zh") { return .zh }
            if tag.hasPrefix("en") { return .en }
        }
        return .zh
    }

    var other: Language { self == .zh ? .en : .zh }
    var htmlTag: String { self == .zh ? "zh-CN" : "en" }

    subscript(key: String) -> String {
        Self.table[key]?[self == .zh ? 0 : 1] ?? key
    }

    /// Every string for templates: `{{t.key}}`.
    var strings: [String: String] {
        Self.table.mapValues { $0[self == .zh ? 0 : 1] }
    }

    /// Every key: the core words below, then the workplace pages' (`Strings+Workplace.swift`).
    static let table: [String: [String]] = core.merging(workplace) { _, new in new }

    static let core: [String: [String]] = [
        "app": ["Custody 执法记录仪证据审查", "Custody evidence review"],
        "queue": ["审查队列", "Review queue"],
        "reports": ["统计报表", "Reports"],
        "sign_in": ["登录", "Sign in"],
        "sign_out": ["退出", "Sign out"],
        "my_footage": ["我的录像", "My footage"],
        "upload_footage": ["上传录像", "Upload footage"],
        "upload_hint": ["网络中断后会自动续传；刷新页面后重新选择同一文件即可从断点继续。", "Uploads continue by themselves after a network error; after a reload, choose the same file again to continue where it stopped."],
        "upload_done": ["已保存", "Stored"],
        "upload_duplicate": ["已存在（此前已上传）", "Already stored (uploaded before)"],
        "upload_waiting": ["网络中断，正在重试…", "Network lost, retrying…"],
        "upload_failed": ["上传失败", "Upload failed"],
        "upload_resume_hint": ["未完成的上传，请重新选择该文件以继续", "Unfinished upload: choose the file again to continue"],
        "of": ["/", "of"],
        "my_clips": ["我的录像文件", "My clips"],
        "no_clips": ["还没有录像。", "No clips yet."],
        "unlinked": ["未关联警情", "Not linked to a call"],
        "quarantined": ["已隔离（无法读取）", "Quarantined (unreadable)"],
        "username": ["用户名", "User name"],
        "password": ["密码", "Password"],
        "switch_language": ["English", "中文"],
        "open": ["待审", "Open"],
        "claimed": ["审查中", "Claimed"],
        "closed": ["已审结", "Closed"],
        "all": ["全部", "All"],
        "reason": ["原因", "Reason"],
        "incident": ["警情", "Incident"],
        "officer": ["民警", "Officer"], "attendance_n": ["第 {n} 次出警", "attendance {n}"],
        "occurred": ["发生时间", "When"],
        "state": ["状态", "State"],
        "claimed_by": ["审查人", "Reviewer"],
        "lease_until": ["认领至", "Held until"],
        "actions": ["操作", "Actions"],
        "claim": ["认领", "Claim"],
        "release": ["放弃", "Release"],
        "reopen": ["重新打开", "Reopen"],
        "view": ["查看", "View"],
        "items": ["条", "items"],
        "item": ["条", "item"],
        "previous": ["上一页", "Previous"],
        "next": ["下一页", "Next"],
        "no_items": ["队列为空。", "Nothing in this list."],
        "reason_no_recording": ["无录像", "No recording"],
        "reason_early_stop": ["提前关闭", "Early stop"],
        "reason_late_start": ["延迟开启", "Late start"],
        "reason_interruption": ["中途中断", "Interruption"],
        "reason_late_upload": ["逾期上传", "Late upload"],
        "reason_obscured_video": ["镜头遮挡", "Lens obscured"],
        "reason_frozen_video": ["画面冻结", "Frozen picture"],
        "reason_muted_audio": ["无声音", "Sound muted"],
        "check_lens_obscured": ["镜头被遮挡", "Lens obscured"],
        "check_video_frozen": ["画面静止或冻结", "Picture frozen"],
        "stretch_obscured": ["遮挡", "Obscured"],
        "stretch_frozen": ["冻结", "Frozen"],
        "stretch_muted": ["静音", "Muted"],
        "usable_coverage": ["有效画面", "usable"],
        "usable_coverage_hint": ["处警窗口内画面既未遮挡也未冻结的比例", "Share of the window with a picture neither obscured nor frozen"],
        "what_camera_saw": ["画面与声音", "What the camera saw"],
        "analysis_pending": ["尚未分析：分析完成后，此处显示遮挡、冻结和静音的片段。", "Not analysed yet: obscured, frozen and muted stretches appear here once it is."],
        "analysis_failed": ["无法分析此文件：", "This file could not be analysed:"],
        "stretch": ["片段", "Stretch"],
        "from": ["开始", "From"],
        "to": ["结束", "To"],
        "watch_stretch": ["播放此段", "Play from here"],
        "no_stretches": ["未发现遮挡、冻结或静音。", "Nothing obscured, frozen or muted."],
        "analysis_basis": ["依据关键帧画面（32×18 网格的亮度与变化）和每 0.1 秒的声音电平判断。", "Judged from the key frames (brightness and change on a 32 × 18 grid) and the sound level of every 0.1 s."],
        "chart_luma": ["画面亮度", "Brightness"],
        "chart_level": ["声音电平 (dBFS)", "Sound level (dBFS)"],
        "reason_unreadable": ["文件损坏", "Unreadable file"],
        "reason_unattributed": ["无法确定民警", "Unattributed clip"],
        "reason_unlinked": ["未关联警情", "Unlinked clip"],
        "reason_sample": ["随机抽查", "Random sample"],
        "reason_no_arrival": ["派警后未到场", "Never reached"],
        "reason_not_closed": ["警情未闭环", "Not closed"],
        "reason_slow_dispatch": ["派警超时", "Slow dispatch"],
        "reason_slow_arrival": ["到场超时", "Slow arrival"],
        "category": ["警情类别", "Call type"],
        "station": ["处警单位", "Station"],
        "location": ["地址", "Location"],
        "timeline": ["处警时间轴", "Call timeline"],
        "required_window": ["应录时段（到场—处警结束）", "Required window (arrival to clearance)"],
        "recorded": ["已录像", "Recorded"],
        "gap": ["缺失", "Missing"],
        "coverage": ["覆盖率", "Coverage"],
        "not_judged": ["未研判（缺少到场或结束时间）", "Not judged (no arrival or clearance time)"],
        "clips": ["录像文件", "Clips"],
        "findings": ["问题", "Findings"],
        "no_findings": ["未发现问题。", "No findings."],
        "jump_to_gap": ["跳转到缺失处", "Jump to gap"],
        "play": ["播放", "Play"],
        "review": ["审查结论", "Review"],
        "verdict": ["结论", "Verdict"],
        "verdict_compliant": ["合规", "Compliant"],
        "verdict_violation": ["违规", "Violation"],
        "verdict_justified": ["情有可原", "Justified"],
        "checklist": ["检查项", "Checklist"],
        "note": ["备注", "Note"],
        "save_verdict": ["提交结论", "Record verdict"],
        "claim_to_review": ["认领后即可填写审查结论。", "Claim this item to record a verdict."],
        "held_by_other": ["该条目正由他人审查。", "Someone else is reviewing this item."],
        "reviewed": ["已审结", "Reviewed"],
        "check_late_activation": ["延迟开启", "Late activation"],
        "check_early_deactivation": ["提前关闭", "Early deactivation"],
        "check_interruption": ["中途中断", "Interruption"],
        "check_no_recording": ["未录像", "No recording"],
        "check_not_identified": ["未亮明身份", "Did not identify themselves"],
        "check_appearance": ["警容不整", "Appearance"],
        "check_camera_angle": ["角度/遮挡", "Camera angle / obstruction"],
        "check_audio_muted": ["无声音", "Audio muted"],
        "check_wrong_incident": ["关联错误警情", "Wrong incident"],
        "check_not_entered_in_system": ["未录入系统", "Not entered in the system"],
        "check_late_upload": ["逾期上传", "Late upload"],
        "check_professionalism": ["执法规范", "Professionalism"],
        "check_safety_concern": ["安全隐患", "Safety concern"],
        "check_other": ["其他", "Other"],
        "clip": ["录像", "Clip"],
        "started": ["开始", "Started"],
        "ended": ["结束", "Ended"],
        "duration": ["时长", "Duration"],
        "integrity": ["完整性", "Integrity"],
        "receipts": ["接收记录", "Hand-ins"],
        "received": ["接收时间", "Received"],
        "original_name": ["原文件名", "Original name"],
        "linked_incidents": ["关联警情", "Linked incidents"],
        "forbidden": ["您的角色无权访问此页面。", "Your role may not open this page."],
        "not_found": ["找不到该内容。", "Not found."],
        "bad_login": ["用户名或密码错误。", "Wrong user name or password."],
        "throttled_name": ["该用户名登录失败次数过多，暂停登录。请 {minutes} 分钟后再试，或联系管理员。", "Too many failed sign-ins for this user name; sign-in is paused. Try again in {minutes} minutes, or ask an admin."],
        "throttled_address": ["该网络地址登录失败次数过多，已暂停从此地址登录。请 {minutes} 分钟后再试，或联系管理员。", "Too many failed sign-ins from this address; signing in is paused. Try again in {minutes} minutes, or ask an admin."],
        "note_too_long": ["备注共 {count} 字，超过 {max} 字的上限，结论未保存。请返回缩短备注后重新提交。", "The note has {count} characters, more than the {max} allowed, so the verdict was not saved. Go back, shorten the note and send it again."],
        "form_too_large": ["提交的内容超过 {kb} KB，未被处理。请缩短备注等内容后重新提交。", "The form is larger than {kb} KB and was not processed. Shorten the note or other text and send it again."],
        "too_large_heading": ["内容过大", "Too large"],
        "unavailable_heading": ["暂时无法处理", "Try again shortly"],
        "unavailable_text": ["服务器暂时读不到目录，无法核对您的登录状态。您仍处于登录状态：请在 {s} 秒后刷新本页。", "The server could not read its catalog to check your sign-in just now. You are still signed in: reload this page in {s} seconds."],
        "seconds": ["秒", "s"],
        "times_in": ["时间为", "Times in"],
        "daily_report": ["日报", "Daily"],
        "weekly_report": ["周报", "Weekly"],
        "report_files": ["审计时生成的文件", "Files written by the audit"],
        "report_not_written": ["该时段尚未运行夜间审计，没有存档文件。", "The nightly audit has not written this period's files yet."],
        "report_live": ["下方数据按当前目录实时计算；存档文件为审计当时的结果。", "The figures below are computed from the catalog as it is now; the files are as the audit wrote them."],
        "report_archive": ["历史报表", "Earlier reports"],
    ]
}
