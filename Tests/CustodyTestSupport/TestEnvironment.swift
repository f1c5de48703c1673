public import Foundation

/// Where the package, its samples, the shared corpus and the built executable are.
public enum TestEnvironment {
    /// The package root (the folder holding Package.swift).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url
            }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    public static var samples: URL { packageRoot.appendingPathComponent("samples") }
    public static var footage: URL { samples.appendingPathComponent("footage") }

    /// `../shared/corpus`, beside the clone (CI puts it there). Override with CUSTODY_CORPUS.
    public static var corpus: URL {
        if let override = ProcessInfo.processInfo.environment["CUSTODY_CORPUS"] {
            return URL(fileURLWithPath: override)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }

    /// The `custody` executable built beside the test bundle. Override with CUSTODY_BIN.
    public static var custodyBinary: URL {
        if let override = ProcessInfo.processInfo.environment["CUSTODY_BIN"] {
            return URL(fileURLWithPath: override)
        }
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = here.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("custody")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/custody")
    }

    /// Sorted regular files of a folder, hidden ones left out.
    public static func files(in folder: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { folder.appendingPathComponent($0) }
    }

    /// A fresh empty folder under the system temp directory.
    public static func temporaryFolder(_ label: String = "custody-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// The result of running a program to completion.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var seconds: Double

    public var stdoutLines: [String] { stdout.split(separator: "\n").map(String.init) }
}

public enum Run {
    /// Runs `executable` with `arguments`, capturing output through files (no pipe deadlocks),
    /// and kills it after `timeout` seconds.
    public static func program(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
        currentDirectory: URL? = nil, timeout: Double = 120
    ) throws -> ProcessResult {
        let dir = try TestEnvironment.temporaryFolder("run")
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        let started = Date()
        try process.run()
        let deadline = started.addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline {
            usleep(10_000)
        }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw TimedOut(command: ([executable.path] + arguments).joined(separator: " "), seconds: timeout)
        }
        process.waitUntilExit()
        try outHandle.close()
        try errHandle.close()
        return ProcessResult(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "",
            seconds: Date().timeIntervalSince(started))
    }

    /// Runs a program found on PATH.
    public static func tool(_ name: String, _ arguments: [String], timeout: Double = 120) throws -> ProcessResult {
        try program(URL(fileURLWithPath: "/usr/bin/env"), [name] + arguments, timeout: timeout)
    }

    public struct TimedOut: Error, CustomStringConvertible {
        public var command: String
        public var seconds: Double
        public var description: String { "\(command) did not finish within \(seconds) s" }
    }
}

/// Small fixtures built from the samples.
public enum Fixtures {
    /// The sample that is a text file named like a clip.
    public static let notVideoSample = "J0012345_012345_20240214120000_0004.mp4"

    /// The readable sample clips (every sample but the text file).
    public static var readableClips: [URL] {
        TestEnvironment.files(in: TestEnvironment.footage).filter { $0.lastPathComponent != notVideoSample }
    }

    /// Writes `count` distinct, valid MP4 files into `folder`: sample clips, each with a unique
    /// top-level `free` box appended (ignored by demuxers, but it changes the SHA-256).
    @discardableResult
    public static func distinctClips(_ count: Int, in folder: URL, prefix: String = "") throws -> [URL] {
        let clips = readableClips
        var written: [URL] = []
        for i in 0..<count {
            let source = clips[i % clips.count]
            var data = try Data(contentsOf: source)
            if i >= clips.count {
                var box = Data([0, 0, 0, 16]) + Data("free".utf8)
                var n = UInt64(i).bigEndian
                box.append(Data(bytes: &n, count: 8))
                data.append(box)
            }
            let name = prefix + source.deletingPathExtension().lastPathComponent + (i >= clips.count ? "_v\(i)" : "") + ".mp4"
            let url = folder.appendingPathComponent(name)
            try data.write(to: url)
            written.append(url)
        }
        return written
    }

    public static func sha256(of url: URL) throws -> String {
        let result = try Run.tool("sha256sum", [url.path])
        return String(result.stdout.prefix(64))
    }
}
