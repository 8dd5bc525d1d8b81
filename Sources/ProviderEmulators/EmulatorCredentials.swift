/// The credentials every emulator accepts.
///
/// `.demo` holds fixed, obviously fake values; tests may build their own.
package struct EmulatorCredentials: Sendable {
    /// SpatialGen `X-SPATIALGEN-APPKEY`.
    package var spatialgenAppKey: String
    /// AutoRender API key (`Authorization: Bearer KEY` or `x-api-key: KEY`).
    package var autorenderAPIKey: String
    /// GjirafaTech VP API key.
    package var gjirafaAPIKey: String
    /// VP `Authorization` scheme: `"Bearer"` → `Authorization: Bearer KEY`; `""` → `Authorization: KEY`.
    package var gjirafaScheme: String
    /// Huawei AK/SK access key id.
    package var huaweiAccessKey: String
    /// Huawei AK/SK secret key.
    package var huaweiSecretKey: String
    /// Huawei IAM token accepted in `X-Auth-Token`.
    package var huaweiToken: String
    /// Tenovos customer API key (`X-API-Key`).
    package var tenovosAPIKey: String
    /// Tenovos user name for `/auth/token` logins.
    package var tenovosUsername: String
    /// Tenovos password for `/auth/token` logins.
    package var tenovosPassword: String
    /// When set, `/auth/token` logins must carry this `clientId` (Tenovos v1 hosts).
    package var tenovosClientId: String?

    /// Creates a set of credentials.
    package init(
        spatialgenAppKey: String,
        autorenderAPIKey: String,
        gjirafaAPIKey: String,
        gjirafaScheme: String = "Bearer",
        huaweiAccessKey: String,
        huaweiSecretKey: String,
        huaweiToken: String,
        tenovosAPIKey: String,
        tenovosUsername: String,
        tenovosPassword: String,
        tenovosClientId: String? = nil
    ) {
        self.spatialgenAppKey = spatialgenAppKey
        self.autorenderAPIKey = autorenderAPIKey
        self.gjirafaAPIKey = gjirafaAPIKey
        self.gjirafaScheme = gjirafaScheme
        self.huaweiAccessKey = huaweiAccessKey
        self.huaweiSecretKey = huaweiSecretKey
        self.huaweiToken = huaweiToken
        self.tenovosAPIKey = tenovosAPIKey
        self.tenovosUsername = tenovosUsername
        self.tenovosPassword = tenovosPassword
        self.tenovosClientId = tenovosClientId
    }

    /// Fixed, obviously fake credentials for `splice demo` and tests.
    package static let demo = EmulatorCredentials(
        spatialgenAppKey: "demo-spatialgen-appkey",
        autorenderAPIKey: "demo-autorender-api-key",
        gjirafaAPIKey: "demo-gjirafa-api-key",
        gjirafaScheme: "Bearer",
        huaweiAccessKey: "DEMOHUAWEIACCESSKEY0",
        huaweiSecretKey: "demo-huawei-secret-key-not-a-real-secret",
        huaweiToken: "demo-huawei-iam-token",
        tenovosAPIKey: "demo-tenovos-api-key",
        tenovosUsername: "demo@example.com",
        tenovosPassword: "demo-password",
        tenovosClientId: nil
    )
}
