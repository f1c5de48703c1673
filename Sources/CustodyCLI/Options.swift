import ArgumentParser
import CustodyCore
import CustodyStore
import Foundation
import Logging

/// `--data DIR` (SPEC §1) and the zone in which local times are read.
struct DataOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Data folder (default: $CUSTODY_DATA, else ./custody-data).", valueName: "DIR"))
    var data: String?

    @Option(help: ArgumentHelp("Zone in which file-name and other local times are read (IANA name; default UTC).", valueName: "ZONE"))
    var tz: String?

    func validate() throws {
        if let tz, TimeZone(identifier: tz) == nil {
            throw ValidationError("Unknown time zone '\(tz)': use an IANA name such as Asia/Shanghai.")
        }
    }

    var zone: TimeZone { tz.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "UTC")! }

    func open() throws -> (DataFolder, Catalog) {
        let path = DataFolder.resolve(data)
        do {
            let folder = try DataFolder(path: path)
            let catalog = try Catalog(path: folder.catalogPath)
            return (folder, catalog)
        } catch {
            Console.error("custody: cannot open the data folder \(path): \(error)")
            throw ExitCode(1)
        }
    }
}

enum Logs {
    /// Only the executable bootstraps logging: warnings and worse to stderr.
    static let bootstrap: Void = {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .warning
            return handler
        }
    }()

    static func logger(_ label: String) -> Logger {
        _ = bootstrap
        return Logger(label: label)
    }
}
