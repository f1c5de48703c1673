public import Foundation
#if canImport(Glibc)
internal import Glibc
#endif

/// A fault of the data folder itself (not of one file handed in), said so that a person knows
/// what happened and what to do: the folder is read-only, its disk is full, its catalog is
/// damaged or missing. Built from SQLite and file-system errors by `classify`.
public struct StoreFailure: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case readOnly = "read-only"
        case diskFull = "disk-full"
        case damaged
        case missing
    }

    public var code: Code
    /// The data folder (read-only, disk full) or the catalog file (damaged, missing).
    public var path: String
    /// The underlying error, for the record.
    public var detail: String

    public init(code: Code, path: String, detail: String) {
        self.code = code
        self.path = path
        self.detail = detail
    }

    public var description: String {
        switch code {
        case .readOnly:
            return "the data folder \(path) is read-only (\(detail)): make it writable to store or change anything; "
                + "a read-only copy can be checked with `custody verify --read-only --data \(path)`"
        case .diskFull:
            return "the disk holding the data folder \(path) is full (\(detail)): nothing more was stored; "
                + "free space on it (or move the data folder to a larger disk), then run the command again"
        case .damaged:
            return "the catalog \(path) is damaged (\(detail)): restore custody.sqlite from a backup; if there is none, "
                + "move it aside and rebuild it from the vault with `custody recover --from-vault` (audited)"
        case .missing:
            return "the catalog \(path) is missing (\(detail)): restore custody.sqlite from a backup; if there is none, "
                + "rebuild it from the vault with `custody recover --from-vault` (audited). Nothing is rebuilt silently."
        }
    }

    /// Whether the process can write in `folder` (false on a read-only mount, even for root).
    public static func isWritable(_ folder: String) -> Bool {
        access(folder, W_OK) == 0
    }

    /// Whether the file system holding `folder` has no space left for an ordinary user.
    static func isFull(_ folder: String) -> Bool {
        var st = statvfs()
        guard statvfs(folder, &st) == 0 else { return false }
        return st.f_bavail == 0 || (st.f_files > 0 && st.f_favail == 0)
    }

    /// A `StoreFailure` for `error` when it is a fault of the data folder at `folder` (whose
    /// catalog is `catalog`); nil for any other error.
    public static func classify(_ error: any Error, folder: String, catalog: String? = nil) -> StoreFailure? {
        if let failure = error as? StoreFailure { return failure }
        let catalogPath = catalog ?? (folder as NSString).appendingPathComponent("custody.sqlite")
        if let failure = error as? DurableFile.Failure {
            switch failure.errno {
            case ENOSPC, EDQUOT: return StoreFailure(code: .diskFull, path: folder, detail: failure.description)
            case EROFS: return StoreFailure(code: .readOnly, path: folder, detail: failure.description)
            default: return nil
            }
        }
        return SQLiteBackend.classify(error, folder: folder, catalogPath: catalogPath)
    }

    /// `classify`'s message for `error`, else the error as it is.
    public static func explain(_ error: any Error, folder: String) -> String {
        classify(error, folder: folder)?.description ?? "\(error)"
    }
}

extension Catalog {
    /// Opens an existing SQLite catalog without writing anything: no migration, no journal.
    public convenience init(readOnlyAt path: String) throws {
        self.init(backend: try SQLiteBackend(readOnlyAt: path))
    }
}
