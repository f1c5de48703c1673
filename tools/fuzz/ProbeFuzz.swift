// libFuzzer entry point for Custody's probe, thumbnailer and content analysis: compiled together with the
// MediaProbe sources by tools/fuzz/run (swiftc -sanitize=fuzzer,address). Each input is written
// to a file, because the probe, like the ingest pipeline, opens files by path.
internal import CFFmpeg
#if canImport(Glibc)
internal import Glibc
#endif

nonisolated(unsafe) private var inputPath: String = {
    let dir = getenv("CUSTODY_FUZZ_TMP").map { String(cString: $0) } ?? "/tmp"
    return "\(dir)/custody-fuzz-\(getpid()).bin"
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func custodyFuzzProbe(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let fd = open(inputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { return 0 }
    var written = 0
    while written < size {
        let n = write(fd, data + written, size - written)
        if n <= 0 { break }
        written += n
    }
    close(fd)

    var options = ProbeOptions()
    options.timeLimit = 5
    let info = MediaProber.probe(path: inputPath, options: options)
    if info.integrity != .unreadable {
        // What the review UI does with an uploaded file: a still of its first key frame.
        _ = try? Thumbnailer.thumbnail(path: inputPath, maxWidth: 160, timeLimit: 5)
        // What the analysis queue does with every stored clip (issue 14): key frames and sound
        // decoded, then the stretches.
        var signal = SignalOptions()
        signal.timeLimit = 5
        signal.minimumBudget = 5
        signal.threads = 1
        if let profile = try? SignalAnalyzer.analyze(path: inputPath, options: signal) {
            _ = profile.stretches(SignalThresholds())
            _ = profile.perSecond()
        }
    }
    return 0
}
