import SonoModels
import Torch
import XCTest

@testable import SonoTrain

final class PretrainLossTests: XCTestCase {
    /// real = [0.5, 2, −1]: relu(1 − r) = [0.5, 0, 2] → 5/6; fake = [−2, 0.3, 1.5]: relu(1 + f) =
    /// [0, 1.3, 2.5] → 3.8/3; L_D = 0.8333… + 1.2666… = 2.1.
    func testHingeDiscriminatorLossByHand() throws {
        let loss = try PretrainLosses.discriminatorHinge(
            realScores: Tensor([0.5, 2, -1] as [Float]),
            fakeScores: Tensor([-2, 0.3, 1.5] as [Float]))
        XCTAssertEqual(try loss.item(), 2.1, accuracy: 1e-6)
    }

    /// prediction − truth = [1, −2, 0, −2] → MSE 9/4; mean fake score −0.2/3.
    /// λ_rec 0.999, λ_adv 0.001: 0.999·2.25 + 0.001·(0.2/3) = 2.24775 + 0.0000666… = 2.2478166…
    /// λ_rec 0.5, λ_adv 2: 1.125 + 0.1333… = 1.2583333…
    func testContextEncoderLossWithBothLambdas() throws {
        let prediction = try Tensor([1, 2, 0, -1] as [Float], shape: [1, 1, 2, 2])
        let truth = try Tensor([0, 4, 0, 1] as [Float], shape: [1, 1, 2, 2])
        let scores = try Tensor([-2, 0.3, 1.5] as [Float])
        let paper = try PretrainLosses.contextEncoder(
            fakeScores: scores, prediction: prediction, truth: truth,
            lambdaRec: 0.999, lambdaAdv: 0.001)
        XCTAssertEqual(try paper.total.item(), 2.2478166667, accuracy: 1e-6)
        XCTAssertEqual(try paper.reconstruction.item(), 2.25, accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(paper.adversarial).item(), 0.2 / 3, accuracy: 1e-6)
        let other = try PretrainLosses.contextEncoder(
            fakeScores: scores, prediction: prediction, truth: truth,
            lambdaRec: 0.5, lambdaAdv: 2)
        XCTAssertEqual(try other.total.item(), 1.2583333333, accuracy: 1e-6)
        let noAdversary = try PretrainLosses.contextEncoder(
            fakeScores: nil, prediction: prediction, truth: truth,
            lambdaRec: 0.999, lambdaAdv: 0.001)
        XCTAssertEqual(try noAdversary.total.item(), 2.24775, accuracy: 1e-6)
    }

    /// logits [0, ln 3], labels [1, 0]: BCE = (ln 2 + ln 4) / 2 = 1.5·ln 2.
    func testLabelPredictionLossByHand() throws {
        let loss = try PretrainLosses.labelPrediction(
            logits: Tensor([0, Float(log(3.0))], shape: [1, 2]),
            labels: Tensor([1, 0] as [Float], shape: [1, 2]))
        XCTAssertEqual(try loss.item(), 1.5 * log(2.0), accuracy: 1e-6)
    }

    func testMaskApplicationFillsOnlyTheHole() throws {
        let mask = try CentreMask(height: 8, width: 12, overlap: 1)
        let images = try Tensor.ones([2, 1, 8, 12])
        let (masked, centre) = try mask.apply(to: images, fill: -3)
        XCTAssertEqual(centre.shape, [2, 1, 4, 6])
        let values = try masked.toArray(of: Float.self)
        // Hole = centre (rows 2..<6, cols 3..<9) shrunk by one: rows 3..<5, cols 4..<8.
        for i in 0..<(8 * 12) {
            let row = i / 12, col = i % 12
            XCTAssertEqual(values[i], (3..<5).contains(row) && (4..<8).contains(col) ? -3 : 1, "row \(row) col \(col)")
        }
        XCTAssertEqual(try images.sum().item(), 2 * 96, "the input batch must stay unchanged")
        XCTAssertThrowsError(try mask.apply(to: Tensor.ones([1, 1, 8, 10])))
    }
}
