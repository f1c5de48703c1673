extension IngestResult {
    /// Whether this hand-in can change its officer's links and findings, so the relink that
    /// follows it must take the officer in: a new clip, and a repeat hand-in of a stored one
    /// too, whose receipt may be the clip's earliest and so end its `late_upload` (SPEC §7.4
    /// judges the earliest receipt by its received-at time, which the catalog keeps as the
    /// clip's `first_received_at`).
    public var changesFindings: Bool { status == .ingested || status == .duplicate }
}
