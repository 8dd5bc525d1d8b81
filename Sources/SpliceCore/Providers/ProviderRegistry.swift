/// The providers Splice speaks. Adding a provider means adding its folder and one line here.
package struct ProviderRegistry: Sendable {
    package let providers: [any Provider]

    package init(_ providers: [any Provider]) {
        self.providers = providers
    }

    package static let standard = ProviderRegistry([
        TenovosProvider(),
        AutoRenderProvider(),
        GjirafaVPProvider(),
        HuaweiMetaStudioProvider(),
        SpatialGenProvider(),
    ])

    package var names: [String] { providers.map(\.name) }

    package func provider(named name: String) -> (any Provider)? {
        providers.first { $0.name == name }
    }
}
