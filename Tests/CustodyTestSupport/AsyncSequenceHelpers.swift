extension Sequence {
    /// `allSatisfy` with an async predicate (catalog calls are async).
    public func asyncAllSatisfy(_ predicate: (Element) async throws -> Bool) async rethrows -> Bool {
        for element in self where try await !predicate(element) { return false }
        return true
    }
}
