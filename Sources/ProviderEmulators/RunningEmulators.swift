/// The five emulators of one `withProviderEmulators` call, all listening.
package struct RunningEmulators: Sendable {
    /// How many of the latest requests each emulator keeps unless `withProviderEmulators` is told otherwise.
    package static let defaultRecordedRequestLimit = 64

    /// The credentials every emulator accepts.
    package let credentials: EmulatorCredentials
    /// The Tenovos emulator (base URL includes `/content-store-v1`).
    package let tenovos: TenovosEmulator
    /// The AutoRender emulator.
    package let autorender: AutoRenderEmulator
    /// The GjirafaTech VP emulator.
    package let gjirafaVP: GjirafaVPEmulator
    /// The Huawei Cloud MetaStudio emulator.
    package let huaweiMetaStudio: HuaweiMetaStudioEmulator
    /// The SpatialGen emulator.
    package let spatialgen: SpatialGenEmulator

    /// The emulator of `provider`.
    package subscript(provider: EmulatedProvider) -> any ProviderEmulator {
        switch provider {
        case .tenovos: self.tenovos
        case .autorender: self.autorender
        case .gjirafaVP: self.gjirafaVP
        case .huaweiMetaStudio: self.huaweiMetaStudio
        case .spatialgen: self.spatialgen
        }
    }

    /// Every emulator, in `EmulatedProvider.allCases` order.
    package var all: [any ProviderEmulator] {
        EmulatedProvider.allCases.map { self[$0] }
    }
}
