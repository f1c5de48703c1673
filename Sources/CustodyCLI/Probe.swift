public import ArgumentParser
import CustodyCore
import CustodyIngest
import CustodyStore
import Foundation
import MediaProbe

/// `custody probe [--json] FILE…` and `custody probe --thumbnail OUT.jpg FILE` (SPEC §2).
public struct Probe: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        abstract: "Read media files' metadata without storing anything.",
        discussion: """
            Folders are walked. Exit status 0 when every file was probed, 1 when any file is \
            unreadable (its line is still printed, with `error`).
            """
    )

    @Flag(help: "Print one JSON object per file (JSON Lines).")
    var json = false

    @Option(help: ArgumentHelp("Write a JPEG of the first key frame of FILE to this path.", valueName: "OUT.jpg"))
    var thumbnail: String?

    @Option(help: ArgumentHelp("Zone in which file-name times are read (IANA name).", valueName: "ZONE"))
    var tz: String?

    @Option(help: "Regular expression for file names, with named groups device, officer, start, seq.")
    var namePattern: String?

    @Option(name: .customLong("profile"), help: ArgumentHelp(
        "A file-name profile to try (repeatable, in order): \(FileNameConvention.builtIn.map(\.name).joined(separator: ", ")), or one config.toml defines (with --data).",
        valueName: "NAME"))
    var profiles: [String] = []

    @Option(help: ArgumentHelp("Read file names as this data folder's config.toml says ([naming], time_zone).", valueName: "DIR"))
    var data: String?

    @Option(help: "Seconds allowed for opening one file before it is given up as unreadable.")
    var timeLimit: Double = 30

    @Argument(help: ArgumentHelp("Media files or folders.", valueName: "FILE"))
    var files: [String]

    public init() {}

    /// --name-pattern, else --profile (built in, or defined in --data's config.toml), else the
    /// data folder's [naming], else the collection-station convention; --tz, else the folder's
    /// zone, else UTC.
    func fileNaming() throws -> FileNameConvention {
        var config = CustodyConfiguration()
        if let data {
            let path = URL(fileURLWithPath: DataFolder.resolve(data)).appendingPathComponent("config.toml").path
            guard FileManager.default.fileExists(atPath: path) else {
                throw ValidationError("--data \(data): no config.toml there (a data folder gets one on its first use).")
            }
            do { config = try ConfigFile.loadOrCreate(path: path) } catch { throw ValidationError("\(error)") }
        }
        if let tz, let zone = TimeZone(identifier: tz) { config.timeZone = zone }
        if let namePattern {
            do {
                return try FileNameConvention(pattern: namePattern, timeZone: config.timeZone)
            } catch {
                throw ValidationError("--name-pattern is not a valid regular expression: \(error)")
            }
        }
        if !profiles.isEmpty { config.naming.active = profiles }
        do {
            return try config.fileNaming()
        } catch {
            throw ValidationError("--profile: \(error)")
        }
    }

    public func validate() throws {
        if files.isEmpty {
            throw ValidationError("Name at least one file or folder to probe.")
        }
        if thumbnail != nil && files.count != 1 {
            throw ValidationError("--thumbnail takes exactly one FILE.")
        }
        if let tz, TimeZone(identifier: tz) == nil {
            throw ValidationError("Unknown time zone '\(tz)': use an IANA name such as Asia/Shanghai.")
        }
        if timeLimit <= 0 {
            throw ValidationError("--time-limit must be a positive number of seconds.")
        }
        if namePattern != nil && !profiles.isEmpty {
            throw ValidationError("--name-pattern and --profile are two ways of naming files: give one.")
        }
    }

    public func run() throws {
        if let thumbnail {
            try writeThumbnail(of: files[0], to: thumbnail)
            return
        }
        let naming = try fileNaming()
        var configured = ClipInspector(naming: naming)
        configured.probeTimeLimit = timeLimit
        let inspector = configured

        let listing = FileWalker.expand(files)
        for problem in listing.problems {
            Console.error(problem)
        }
        let paths = listing.files
        let output = JSONLineWriter()
        var unreadable = 0
        let progress = Progress(total: paths.count, label: "probed")
        OrderedParallel.forEach(count: paths.count, work: { inspector.inspect(path: paths[$0]) }) { _, record in
            if record.integrity == .unreadable { unreadable += 1 }
            if json {
                output.write(record)
            } else {
                Console.out(HumanFormat.describe(record))
            }
            progress.step()
        }
        progress.finish()
        if unreadable > 0 || !listing.problems.isEmpty {
            throw ExitCode(1)
        }
    }

    private func writeThumbnail(of file: String, to output: String) throws {
        do {
            let still = try Thumbnailer.thumbnail(path: file, timeLimit: timeLimit)
            try Data(still.jpeg).write(to: URL(fileURLWithPath: output), options: .atomic)
            Console.error("wrote \(output): \(still.width)x\(still.height) JPEG, \(still.jpeg.count) bytes")
        } catch let error as MediaProbeError {
            Console.error("custody probe: \(file): \(error.message)")
            throw ExitCode(1)
        } catch {
            Console.error("custody probe: cannot write \(output): \(error.localizedDescription)")
            throw ExitCode(1)
        }
    }
}
