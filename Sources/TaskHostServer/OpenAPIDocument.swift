/// The OpenAPI 3.1 description of the control API (`openapi.json` beside this file, embedded
/// at build time), served at `/v1/openapi.json`. A test compares its paths with the router's
/// routes: keep both in step.
public enum OpenAPIDocument {
    /// The document text.
    public static let json = String(decoding: PackageResources.openapi_json, as: UTF8.self)
}
