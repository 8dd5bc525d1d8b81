/// The five upload providers the emulators stand in for.
///
/// The raw values are the provider names used in route files.
package enum EmulatedProvider: String, CaseIterable, Sendable {
    case tenovos
    case autorender
    case gjirafaVP = "gjirafa-vp"
    case huaweiMetaStudio = "huawei-metastudio"
    case spatialgen
}
