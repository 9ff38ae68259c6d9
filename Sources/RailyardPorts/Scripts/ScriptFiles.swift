/// Reads the pre-deployment scripts named in railyard.yml, for their checksums: an applied script
/// whose file changed since means production no longer matches what was reviewed.
public protocol ScriptFiles: Sendable {
    /// Lower-case hex SHA-256 of the file's bytes.
    /// - Throws: an error saying why the file cannot be read.
    func sha256(ofFileAt path: String) throws -> String
}
