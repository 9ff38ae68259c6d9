import Foundation

/// The latest look of a running analysis, for `rollout watch` and the dashboard.
public struct LiveAnalysis: Codable, Sendable, Equatable {
    public var analysisID: String
    public var target: String
    public var look: AnalysisLook
    public var judgement: Judgement
    /// The router's weight of each group (stable, canary, baseline) in `target` at this look, as the
    /// router reported it; empty when it could not be read.
    public var weights: [String: Int]

    /// Spelt so that snake_case JSON (`analysis_id`) round-trips.
    enum CodingKeys: String, CodingKey { case analysisID = "analysisId", target, look, judgement, weights }

    public init(analysisID: String, target: String, look: AnalysisLook, judgement: Judgement, weights: [String: Int] = [:]) {
        self.analysisID = analysisID
        self.target = target
        self.look = look
        self.judgement = judgement
        self.weights = weights
    }

    /// A server older than `weights` sends none: read as empty.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(analysisID: try c.decode(String.self, forKey: .analysisID), target: try c.decode(String.self, forKey: .target),
                  look: try c.decode(AnalysisLook.self, forKey: .look), judgement: try c.decode(Judgement.self, forKey: .judgement),
                  weights: try c.decodeIfPresent([String: Int].self, forKey: .weights) ?? [:])
    }
}
