import Foundation
import SeededRandom

/// Optional findings and the probe's view, drawn per image from the exam and the random stream.
struct SceneFeatures: Sendable {
    /// A biopsy/drainage needle or catheter in plane.
    var needle = false
    /// A focal lesion in the organ of interest (liver/kidney "FOCAL" biopsies, nodules).
    var lesion = false
    /// Morison's-pouch view quality parameters, for the quality task.
    var morison: MorisonView? = nil
}

/// What makes a Morison's-pouch (hepatorenal) view good or bad: the simulator parameters that
/// the quality score is derived from.
public struct MorisonView: Sendable, Codable, Equatable {
    /// Fraction of the kidney's long axis inside the imaging plane (0 = missed entirely).
    public var kidneyVisibility: Double = 1
    /// Whether the liver is in view at all.
    public var liverVisible = true
    /// Angle between the imaging plane and the kidney's long axis, degrees.
    public var offPlaneDegrees: Double = 0
    /// Rib shadows crossing the view.
    public var ribShadows = 0
    /// Extra electronic noise, dB above the default floor.
    public var extraNoiseDB: Double = 0
    /// Free fluid in the hepatorenal space (a positive FAST finding).
    public var freeFluid = false
}

/// Scene builders for each kind of view. All lengths in mm; x = 0 under the probe centre.
enum Anatomy {
    static func scene(kind: SceneKind, transducer: Transducer, depthMM: Double, features: SceneFeatures, rng: inout SplitMix64) -> Scene {
        switch kind {
        case .liver: return liver(depthMM: depthMM, features: features, rng: &rng)
        case .kidney: return kidney(depthMM: depthMM, features: features, withLiver: false, rng: &rng)
        case .morisonPouch: return kidney(depthMM: depthMM, features: features, withLiver: true, rng: &rng)
        case .thyroid: return thyroid(features: features, rng: &rng)
        case .chest: return chest(depthMM: depthMM, effusion: false, features: features, rng: &rng)
        case .pleuralEffusion: return chest(depthMM: depthMM, effusion: true, features: features, rng: &rng)
        case .softTissue: return softTissue(depthMM: depthMM, features: features, rng: &rng)
        case .lymphNode: return lymphNode(depthMM: depthMM, features: features, rng: &rng)
        case .softTissueCollection: return softTissueCollection(depthMM: depthMM, features: features, rng: &rng)
        case .ascites: return ascites(depthMM: depthMM, features: features, rng: &rng)
        case .abdomenCollection: return abdomenCollection(depthMM: depthMM, features: features, rng: &rng)
        case .retroperitoneum: return retroperitoneum(depthMM: depthMM, features: features, rng: &rng)
        }
    }

    // MARK: - Shared structures

    /// Skin, subcutaneous fat (with septa) and a muscle layer; returns the wall's deep edge.
    @discardableResult
    static func bodyWall(_ scene: inout Scene, fat: Double, muscle: Double, rng: inout SplitMix64, septa: Int = 3) -> Double {
        let skin = rng.uniform(1.2, 2.2)
        let wave = rng.uniform(0.3, 1.5), wavelength = rng.uniform(30, 80), phase = rng.uniform(0, 2 * .pi)
        scene.paint(.layer(top: 0, bottom: skin), .skin)
        scene.paint(.layer(top: skin, bottom: skin + fat, waveAmplitude: wave * 0.5, wavelength: wavelength, phase: phase), .fat)
        for _ in 0..<septa where fat > 4 {
            let z = skin + rng.uniform(1, fat - 1)
            let x = rng.uniform(-40, 40)
            let length = rng.uniform(6, 25), tilt = rng.uniform(-0.25, 0.25)
            scene.paint(
                .segment(x0: x - length / 2, z0: z - tilt * length / 2, x1: x + length / 2, z1: z + tilt * length / 2, halfWidth: 0.25),
                .fascia)
        }
        let top = skin + fat
        scene.paint(.layer(top: top, bottom: top + 0.7, waveAmplitude: wave * 0.5, wavelength: wavelength, phase: phase), .fascia)
        scene.paint(.layer(top: top + 0.7, bottom: top + 0.7 + muscle, waveAmplitude: wave, wavelength: wavelength, phase: phase), .muscle)
        // Muscle fibres: faint echogenic striations.
        for k in 0..<Int(muscle / 3) {
            let z = top + 1.5 + Double(k) * 3 + rng.uniform(-0.5, 0.5)
            scene.paint(
                .layer(top: z, bottom: z + 0.35, waveAmplitude: wave, wavelength: wavelength, phase: phase + 0.3),
                Tissue(echo: Tissue.db(-1), density: 4, attenuation: 1, label: .muscle))
        }
        let bottom = top + 0.7 + muscle
        scene.paint(.layer(top: bottom, bottom: bottom + 0.8, waveAmplitude: wave, wavelength: wavelength, phase: phase), .fascia)
        return bottom + 0.8
    }

    /// A needle or catheter entering from the skin at an angle, tip at (tipX, tipZ).
    static func needle(_ scene: inout Scene, tipX: Double, tipZ: Double, rng: inout SplitMix64) {
        let angle = rng.uniform(25, 60) * .pi / 180 * (rng.chance(0.5) ? 1 : -1)
        let x0 = tipX - tipZ / tan(angle)
        scene.paint(.segment(x0: x0, z0: 0, x1: tipX, z1: tipZ, halfWidth: rng.uniform(0.3, 0.5)), .needle)
    }

    static func vessel(
        _ scene: inout Scene, cx: Double, cz: Double, radius: Double, elongation: Double, angle: Double, wall: Bool, rng: inout SplitMix64
    ) {
        let b = Blob(cx: cx, cz: cz, a: radius * elongation, b: radius, angle: angle, roughness: 0.03, rng: &rng)
        if wall { scene.paint(.blob(Blob(cx: cx, cz: cz, a: b.a + 1.2, b: b.b + 1.2, angle: angle, rng: &rng)), .portalWall) }
        scene.paint(.blob(b), .vessel)
    }

    /// A focal lesion: hypo-, iso- or hyperechoic, sometimes with a hypoechoic halo.
    static func lesion(_ scene: inout Scene, cx: Double, cz: Double, radius: Double, label: TissueLabel, rng: inout SplitMix64) {
        let angle = rng.uniform(0, .pi)
        let aspect = rng.uniform(0.7, 1)
        var tissue: Tissue = rng.pick([
            Tissue.solidNodule, .isoNodule, Tissue(echo: Tissue.db(7), density: 6, attenuation: 0.6, label: .nodule)
        ])
        tissue.label = label
        if rng.chance(0.4) {
            var halo = Tissue.noduleHalo
            halo.label = label
            scene.paint(
                .blob(Blob(cx: cx, cz: cz, a: radius + 1.5, b: radius * aspect + 1.5, angle: angle, roughness: 0.06, rng: &rng)), halo)
        }
        scene.paint(.blob(Blob(cx: cx, cz: cz, a: radius, b: radius * aspect, angle: angle, roughness: 0.08, rng: &rng)), tissue)
    }

    // MARK: - Abdomen

    static func liver(depthMM: Double, features: SceneFeatures, rng: inout SplitMix64) -> Scene {
        var scene = Scene(kind: .liver, background: .liver)
        let diaphragmDepth = rng.uniform(0.7, 1.0) * max(depthMM, 100)
        // Diaphragm dome: a bright curved band with air-filled lung (dark, attenuating) beyond it.
        let domeRadius = rng.uniform(90, 160)
        let domeX = rng.uniform(-40, 40)
        let centreZ = diaphragmDepth - domeRadius
        scene.paint(.belowArc(cx: domeX, cz: centreZ, radius: domeRadius + 3), .lung)
        scene.paint(.shell(Blob(cx: domeX, cz: centreZ, a: domeRadius + 1.5, b: domeRadius + 1.5, rng: &rng), thickness: 3), .diaphragm)
        // Hepatic veins (anechoic, no wall) and portal veins (echogenic walls).
        for _ in 0..<rng.integer(in: 2...5) {
            let portal = rng.chance(0.5)
            vessel(
                &scene, cx: rng.uniform(-60, 60), cz: rng.uniform(35, diaphragmDepth - 15), radius: rng.uniform(2, 6),
                elongation: rng.uniform(1, 4), angle: rng.uniform(-1.2, 1.2), wall: portal, rng: &rng)
        }
        if rng.chance(0.25) {
            // Gallbladder: anechoic, pear-shaped, with posterior enhancement.
            scene.paint(
                .blob(
                    Blob(
                        cx: rng.uniform(-30, 30), cz: rng.uniform(45, 70), a: rng.uniform(25, 40), b: rng.uniform(10, 16),
                        angle: rng.uniform(-0.5, 0.5), roughness: 0.05, rng: &rng)), .fluid)
        }
        if features.lesion {
            lesion(
                &scene, cx: rng.uniform(-35, 35), cz: rng.uniform(45, min(diaphragmDepth - 20, 110)), radius: rng.uniform(6, 20),
                label: .nodule, rng: &rng)
        }
        bodyWall(&scene, fat: rng.uniform(6, 25), muscle: rng.uniform(6, 12), rng: &rng)
        if features.needle { needle(&scene, tipX: rng.uniform(-25, 25), tipZ: rng.uniform(40, 80), rng: &rng) }
        return scene
    }

    /// Kidney in long axis; with `withLiver`, the right upper quadrant (Morison's pouch) view.
    static func kidney(depthMM: Double, features: SceneFeatures, withLiver: Bool, rng: inout SplitMix64) -> Scene {
        var scene = Scene(kind: withLiver ? .morisonPouch : .kidney, background: .mesentery)
        let view = features.morison ?? MorisonView()
        let wallDepth = rng.uniform(18, 35)
        let depth = max(depthMM, 90)
        // Retroperitoneal muscle (psoas/quadratus) deep to the kidney.
        scene.paint(
            .layer(top: depth * rng.uniform(0.72, 0.85), bottom: 1000, waveAmplitude: 4, wavelength: 90, phase: rng.uniform(0, 6)), .muscle)
        if withLiver && view.liverVisible {
            // Liver wedge above/left of the kidney, bounded by the body wall.
            let liver = Blob(
                cx: rng.uniform(-45, -20), cz: wallDepth + rng.uniform(15, 30), a: rng.uniform(85, 110), b: rng.uniform(45, 60),
                angle: rng.uniform(0.25, 0.45), roughness: 0.04, rng: &rng)
            scene.paint(.blob(liver), .liver)
            for _ in 0..<rng.integer(in: 1...3) {
                vessel(
                    &scene, cx: liver.cx + rng.uniform(-40, 20), cz: liver.cz + rng.uniform(-15, 15), radius: rng.uniform(1.5, 4),
                    elongation: rng.uniform(1, 3), angle: rng.uniform(-1, 1), wall: rng.chance(0.5), rng: &rng)
            }
        }
        if view.kidneyVisibility > 0.05 {
            // Off-plane cuts foreshorten the kidney and hide its sinus.
            let cosine = cos(view.offPlaneDegrees * .pi / 180)
            let a = rng.uniform(46, 56) * (0.45 + 0.55 * cosine * cosine)
            let b = rng.uniform(21, 27) * (0.75 + 0.25 * cosine)
            let cz = wallDepth + (withLiver ? rng.uniform(45, 65) : rng.uniform(30, 55))
            // Partial visibility: the kidney slides out of the sector laterally.
            let halfWidth = (60 + cz) * sin(35 * .pi / 180)
            let cx = (withLiver ? rng.uniform(5, 20) : rng.uniform(-10, 10)) + (1 - view.kidneyVisibility) * (halfWidth + a) * 0.9
            let angle = rng.uniform(-0.3, 0.1)
            let outer = Blob(cx: cx, cz: cz, a: a, b: b, angle: angle, roughness: 0.04, rng: &rng)
            if view.freeFluid {
                // Anechoic stripe in the hepatorenal recess.
                scene.paint(
                    .shell(Blob(cx: cx - 2, cz: cz - 3, a: a + 3, b: b + 3, angle: angle, rng: &rng), thickness: rng.uniform(2.5, 6)),
                    .fluid)
            }
            scene.paint(.shell(Blob(cx: cx, cz: cz, a: a + 1, b: b + 1, angle: angle, rng: &rng), thickness: 1.6), .kidneyCapsule)
            scene.paint(.blob(outer), .kidneyCortex)
            // Pyramids: hypoechoic triangles-ish around the sinus.
            let pyramids = rng.integer(in: 5...8)
            for k in 0..<pyramids {
                let phi = Double(k) / Double(pyramids) * 2 * .pi + rng.uniform(-0.2, 0.2)
                let u = 0.62 * cos(phi) * a, v = 0.58 * sin(phi) * b
                let px = cx + u * cos(angle) - v * sin(angle), pz = cz + u * sin(angle) + v * cos(angle)
                scene.paint(
                    .blob(
                        Blob(
                            cx: px, cz: pz, a: rng.uniform(3.5, 5.5), b: rng.uniform(2.5, 4), angle: phi + angle, roughness: 0.1, rng: &rng)
                    ), .kidneyMedulla)
            }
            var sinus = Tissue.kidneySinus
            sinus.echo *= Float(0.35 + 0.65 * cosine * cosine * cosine)
            scene.paint(.blob(Blob(cx: cx, cz: cz, a: a * 0.5, b: b * 0.32, angle: angle, roughness: 0.15, rng: &rng)), sinus)
            if features.lesion {
                lesion(
                    &scene, cx: cx + rng.uniform(-0.5, 0.5) * a, cz: cz + rng.uniform(-0.4, 0.4) * b, radius: rng.uniform(5, 12),
                    label: .kidneyCortex, rng: &rng)
            }
        }
        if view.kidneyVisibility <= 0.05 && !(withLiver && view.liverVisible) {
            // The probe missed both organs: bowel and mesentery fill the view.
            for _ in 0..<rng.integer(in: 2...4) {
                bowelLoop(&scene, cx: rng.uniform(-50, 50), cz: wallDepth + rng.uniform(15, 70), rng: &rng)
            }
        }
        bodyWall(&scene, fat: rng.uniform(6, 22), muscle: rng.uniform(6, 12), rng: &rng)
        for k in 0..<view.ribShadows {
            // Ribs just under the wall: bright arcs whose shadows streak down the sector.
            let x = rng.uniform(-50, 50) + Double(k) * 10
            scene.paint(
                .blob(
                    Blob(
                        cx: x, cz: wallDepth - rng.uniform(2, 6), a: rng.uniform(6, 10), b: rng.uniform(3, 5),
                        angle: rng.uniform(-0.2, 0.2), rng: &rng)), .bone)
        }
        if features.needle { needle(&scene, tipX: rng.uniform(-10, 25), tipZ: wallDepth + rng.uniform(35, 60), rng: &rng) }
        return scene
    }

    static func ascites(depthMM: Double, features: SceneFeatures, rng: inout SplitMix64) -> Scene {
        var scene = Scene(kind: .ascites, background: .mesentery)
        let wall = rng.uniform(12, 30)
        scene.paint(
            .layer(
                top: wall, bottom: wall + rng.uniform(25, 70), waveAmplitude: rng.uniform(3, 10), wavelength: rng.uniform(50, 120),
                phase: rng.uniform(0, 6)), .fluid)
        for _ in 0..<rng.integer(in: 2...5) {
            bowelLoop(&scene, cx: rng.uniform(-60, 60), cz: wall + rng.uniform(20, 90), rng: &rng)
        }
        bodyWall(&scene, fat: rng.uniform(4, 20), muscle: rng.uniform(5, 10), rng: &rng)
        if features.needle { needle(&scene, tipX: rng.uniform(-20, 20), tipZ: wall + rng.uniform(8, 20), rng: &rng) }
        return scene
    }

    static func bowelLoop(_ scene: inout Scene, cx: Double, cz: Double, rng: inout SplitMix64) {
        let radius = rng.uniform(8, 16)
        scene.paint(
            .blob(Blob(cx: cx, cz: cz, a: radius * rng.uniform(1, 1.8), b: radius, angle: rng.uniform(-1, 1), roughness: 0.1, rng: &rng)),
            .bowelWall)
        // Gas in the lumen: bright, reverberating, shadowing.
        scene.paint(
            .blob(
                Blob(
                    cx: cx, cz: cz - radius * 0.2, a: radius * 0.5, b: radius * 0.25, angle: rng.uniform(-0.5, 0.5), roughness: 0.2,
                    rng: &rng)), .bowelGas)
    }

    static func abdomenCollection(depthMM: Double, features: SceneFeatures, rng: inout SplitMix64) -> Scene {
        var scene = Scene(kind: .abdomenCollection, background: .mesentery)
        let wall = rng.uniform(15, 30)
        if rng.chance(0.5) {
            scene.paint(.blob(Blob(cx: rng.uniform(-80, -30), cz: wall + 30, a: 70, b: 40, angle: 0.3, roughness: 0.05, rng: &rng)), .liver)
        }
        for _ in 0..<rng.integer(in: 1...3) {
            bowelLoop(&scene, cx: rng.uniform(-60, 60), cz: wall + rng.uniform(50, 110), rng: &rng)
        }
        let cx = rng.uniform(-20, 20), cz = wall + rng.uniform(25, 55)
        let collection = Blob(
            cx: cx, cz: cz, a: rng.uniform(18, 40), b: rng.uniform(12, 25), angle: rng.uniform(-0.5, 0.5), roughness: 0.2, rng: &rng)
        scene.paint(.shell(collection, thickness: 2.5), Tissue(echo: Tissue.db(4), density: 6, attenuation: 0.8, label: .fluid))
        scene.paint(.blob(collection), rng.chance(0.5) ? .debrisFluid : .fluid)
        bodyWall(&scene, fat: rng.uniform(5, 20), muscle: rng.uniform(5, 10), rng: &rng)
        if features.needle { needle(&scene, tipX: cx, tipZ: cz, rng: &rng) }
        return scene
    }

    static func retroperitoneum(depthMM: Double, features: SceneFeatures, rng: inout SplitMix64) -> Scene {
        var scene = Scene(kind: .retroperitoneum, background: .mesentery)
        let wall = rng.uniform(15, 30)
        let spine = rng.uniform(90, 130)
        scene.paint(.blob(Blob(cx: rng.uniform(-10, 10), cz: spine + 30, a: 28, b: 30, rng: &rng)), .bone)
        scene.paint(.blob(Blob(cx: -35, cz: spine, a: 18, b: 14, angle: 0.3, roughness: 0.05, rng: &rng)), .muscle)
        scene.paint(.blob(Blob(cx: 35, cz: spine, a: 18, b: 14, angle: -0.3, roughness: 0.05, rng: &rng)), .muscle)
        vessel(&scene, cx: rng.uniform(-15, -5), cz: spine - 14, radius: rng.uniform(8, 11), elongation: 1, angle: 0, wall: true, rng: &rng)
        vessel(
            &scene, cx: rng.uniform(10, 22), cz: spine - 12, radius: rng.uniform(6, 10), elongation: 1.6, angle: 0, wall: false, rng: &rng)
        for _ in 0..<rng.integer(in: 1...4) {
            bowelLoop(&scene, cx: rng.uniform(-70, 70), cz: wall + rng.uniform(10, 50), rng: &rng)
        }
        if features.lesion {
            lesion(&scene, cx: rng.uniform(-30, 30), cz: spine - rng.uniform(25, 40), radius: rng.uniform(8, 18), label: .nodule, rng: &rng)
        }
        bodyWall(&scene, fat: rng.uniform(5, 25), muscle: rng.uniform(6, 12), rng: &rng)
        if features.needle { needle(&scene, tipX: rng.uniform(-20, 20), tipZ: spine - 30, rng: &rng) }
        return scene
    }

    // MARK: - Neck and superficial

    /// Transverse thyroid view: one lobe, trachea to one side, carotid lateral.
    static func thyroid(features: SceneFeatures, rng: inout SplitMix64) -> Scene {
        var scene = Scene(kind: .thyroid, background: .muscle)
        let side: Double = rng.chance(0.5) ? 1 : -1
        let lobeX = side * rng.uniform(0, 5), lobeZ = rng.uniform(13, 18)
        let lobe = Blob(
            cx: lobeX, cz: lobeZ, a: rng.uniform(9, 13), b: rng.uniform(7, 9), angle: side * rng.uniform(-0.25, 0.05), roughness: 0.06,
            rng: &rng)
        // Trachea: an air-filled ring medial to the lobe, shadow and reverberation below it.
        let tracheaX = lobeX - side * rng.uniform(16, 20)
        scene.paint(.blob(Blob(cx: tracheaX, cz: lobeZ + 4, a: 10, b: 9, rng: &rng)), .trachea)
        scene.paint(
            .shell(Blob(cx: tracheaX, cz: lobeZ + 4, a: 10.5, b: 9.5, rng: &rng), thickness: 1.6),
            Tissue(echo: Tissue.db(0), density: 6, attenuation: 0.8, label: .muscle))
        // Carotid (round, anechoic, bright wall) and jugular (oval) lateral to the lobe.
        let carotidX = lobeX + side * rng.uniform(14, 17)
        vessel(
            &scene, cx: carotidX, cz: lobeZ + rng.uniform(1, 4), radius: rng.uniform(3, 4), elongation: 1, angle: 0, wall: true, rng: &rng)
        vessel(
            &scene, cx: carotidX + side * rng.uniform(4, 7), cz: lobeZ - rng.uniform(1, 3), radius: rng.uniform(1.5, 3),
            elongation: rng.uniform(1.3, 2.2), angle: 0.2, wall: false, rng: &rng)
        // Isthmus across the trachea, then the lobe itself.
        scene.paint(.segment(x0: lobeX, z0: lobeZ - 3, x1: tracheaX, z1: lobeZ - 6, halfWidth: rng.uniform(1.5, 2.5)), .thyroid)
        scene.paint(.blob(lobe), .thyroid)
        if features.lesion {
            thyroidNodule(&scene, in: lobe, rng: &rng)
        }
        // Strap muscles and sternocleidomastoid above, then skin and a thin fat layer.
        scene.paint(.layer(top: 2.5, bottom: lobeZ - lobe.b - 0.5, waveAmplitude: 0.7, wavelength: 30, phase: rng.uniform(0, 6)), .muscle)
        scene.paint(.blob(Blob(cx: carotidX, cz: lobeZ - 8, a: 12, b: 4, angle: side * 0.2, rng: &rng)), .muscle)
        scene.paint(.layer(top: 0, bottom: 1.2), .skin)
        scene.paint(.layer(top: 1.2, bottom: 2.5), .fat)
        if features.needle { needle(&scene, tipX: lobe.cx, tipZ: lobe.cz, rng: &rng) }
        return scene
    }

    /// A nodule inside the lobe: solid (hypo/iso), cystic, or mixed, sometimes calcified.
    static func thyroidNodule(_ scene: inout Scene, in lobe: Blob, rng: inout SplitMix64) {
        let radius = rng.uniform(3, min(lobe.a, lobe.b) * 0.8)
        let cx = lobe.cx + rng.uniform(-0.35, 0.35) * lobe.a, cz = lobe.cz + rng.uniform(-0.3, 0.3) * lobe.b
        let nodule = Blob(
            cx: cx, cz: cz, a: radius * rng.uniform(0.9, 1.3), b: radius, angle: rng.uniform(-0.4, 0.4), roughness: rng.uniform(0.02, 0.12),
            rng: &rng)
        let kind = rng.weightedIndex([0.5, 0.2, 0.3])
        if kind == 0 && rng.chance(0.5) { scene.paint(.shell(nodule, thickness: 1.2), .noduleHalo) }
        scene.paint(.blob(nodule), kind == 1 ? .cysticNodule : rng.chance(0.6) ? .solidNodule : .isoNodule)
        if kind == 2 {
            scene.paint(
                .blob(
                    Blob(
                        cx: cx + rng.uniform(-0.3, 0.3) * radius, cz: cz + rng.uniform(-0.3, 0.3) * radius, a: radius * 0.5,
                        b: radius * 0.4, angle: rng.uniform(0, 3), roughness: 0.15, rng: &rng)), .cysticNodule)
        }
        if rng.chance(0.35) {
            for _ in 0..<rng.integer(in: 1...4) {
                scene.paint(
                    .blob(
                        Blob(
                            cx: cx + rng.uniform(-0.6, 0.6) * radius, cz: cz + rng.uniform(-0.6, 0.6) * radius, a: rng.uniform(0.3, 0.8),
                            b: rng.uniform(0.3, 0.7), rng: &rng)), .calcification)
            }
        }
    }

    static func softTissue(depthMM: Double, features: SceneFeatures, rng: inout SplitMix64) -> Scene {
        var scene = Scene(kind: .softTissue, background: .muscle)
        let wall = bodyWall(&scene, fat: rng.uniform(4, 18), muscle: rng.uniform(8, 20), rng: &rng, septa: 6)
        if rng.chance(0.6) {
            // Bone cortex deep in the field: bright line, total shadow.
            scene.paint(
                .layer(
                    top: wall + rng.uniform(8, 25), bottom: 1000, waveAmplitude: rng.uniform(1, 4), wavelength: 70, phase: rng.uniform(0, 6)
                ), .bone)
        }
        if features.lesion {
            lesion(&scene, cx: rng.uniform(-8, 8), cz: wall * rng.uniform(0.5, 0.9), radius: rng.uniform(4, 10), label: .nodule, rng: &rng)
        }
        if features.needle { needle(&scene, tipX: rng.uniform(-8, 8), tipZ: wall * 0.7, rng: &rng) }
        return scene
    }

    static func lymphNode(depthMM: Double, features: SceneFeatures, rng: inout SplitMix64) -> Scene {
        var scene = Scene(kind: .lymphNode, background: .muscle)
        let wall = bodyWall(&scene, fat: rng.uniform(6, 16), muscle: rng.uniform(6, 12), rng: &rng, septa: 4)
        let cz = min(wall + rng.uniform(4, 12), depthMM * 0.6), cx = rng.uniform(-6, 6)
        let a = rng.uniform(7, 15), b = a * rng.uniform(0.45, 0.8)
        let angle = rng.uniform(-0.3, 0.3)
        scene.paint(
            .blob(Blob(cx: cx, cz: cz, a: a, b: b, angle: angle, roughness: 0.05, rng: &rng)),
            Tissue(echo: Tissue.lymphNode.echo, density: 2, attenuation: 0.6, label: .nodule))
        if rng.chance(0.6) {
            // Fatty hilum: normal-looking node; absent hilum suggests pathology.
            scene.paint(
                .blob(Blob(cx: cx + a * 0.2, cz: cz, a: a * 0.45, b: b * 0.3, angle: angle, roughness: 0.1, rng: &rng)),
                Tissue(echo: Tissue.lymphHilum.echo, density: 6, attenuation: 0.7, label: .nodule))
        }
        if features.needle { needle(&scene, tipX: cx, tipZ: cz, rng: &rng) }
        return scene
    }

    static func softTissueCollection(depthMM: Double, features: SceneFeatures, rng: inout SplitMix64) -> Scene {
        var scene = Scene(kind: .softTissueCollection, background: .muscle)
        let wall = bodyWall(&scene, fat: rng.uniform(6, 20), muscle: rng.uniform(8, 16), rng: &rng, septa: 5)
        let cz = min(wall * rng.uniform(0.4, 0.9), depthMM * 0.6), cx = rng.uniform(-6, 6)
        let collection = Blob(
            cx: cx, cz: cz, a: rng.uniform(8, 18), b: rng.uniform(4, 9), angle: rng.uniform(-0.3, 0.3), roughness: 0.25, rng: &rng)
        scene.paint(.shell(collection, thickness: 1.5), Tissue(echo: Tissue.db(5), density: 6, attenuation: 0.8, label: .fluid))
        scene.paint(.blob(collection), rng.chance(0.6) ? .debrisFluid : .fluid)
        if features.needle { needle(&scene, tipX: cx, tipZ: cz, rng: &rng) }
        return scene
    }

    // MARK: - Chest

    /// Intercostal view: ribs with shadows, the pleural line and A-lines; or a pleural effusion
    /// (anechoic, with collapsed lung and the diaphragm over liver).
    static func chest(depthMM: Double, effusion: Bool, features: SceneFeatures, rng: inout SplitMix64) -> Scene {
        var scene = Scene(kind: effusion ? .pleuralEffusion : .chest, background: .muscle)
        // Intercostal window: a thin chest wall over the pleura (thicker on a convex probe's views).
        let wall = effusion ? rng.uniform(10, 22) : rng.uniform(6, 14)
        let pleura = wall + rng.uniform(2, 5)
        if effusion {
            let fluidBottom = pleura + rng.uniform(30, 75)
            scene.paint(.layer(top: fluidBottom, bottom: 1000), .liver)
            let domeRadius = rng.uniform(80, 140)
            scene.paint(
                .shell(
                    Blob(cx: rng.uniform(-30, 30), cz: fluidBottom + domeRadius * 0.95, a: domeRadius, b: domeRadius, rng: &rng),
                    thickness: 3), .diaphragm)
            scene.paint(
                .layer(top: pleura, bottom: fluidBottom, waveAmplitude: 5, wavelength: 120, phase: rng.uniform(0, 6)),
                rng.chance(0.3) ? .debrisFluid : .fluid)
            // Atelectatic lung floating in the effusion: tissue-like, a little hyperechoic.
            scene.paint(
                .blob(
                    Blob(
                        cx: rng.uniform(-40, 0), cz: (pleura + fluidBottom) / 2, a: rng.uniform(20, 40), b: rng.uniform(8, 15),
                        angle: rng.uniform(-0.6, 0.6), roughness: 0.12, rng: &rng)),
                Tissue(echo: Tissue.db(2), density: 5, attenuation: 0.8, label: .lung))
        } else {
            scene.paint(.layer(top: pleura + 1, bottom: 1000), .lung)
        }
        scene.paint(
            .layer(top: pleura - 0.6, bottom: pleura + 1, waveAmplitude: 0.5, wavelength: 40, phase: rng.uniform(0, 6)),
            effusion ? .fascia : .pleura)
        bodyWall(&scene, fat: max(1, wall - 8) * rng.uniform(0.4, 0.7), muscle: max(3, wall * 0.5), rng: &rng)
        // The probe sits between two ribs: their shadows flank the intercostal window.
        let ribSpacing = effusion ? rng.uniform(30, 40) : rng.uniform(20, 26)
        let offset = rng.uniform(-ribSpacing / 2, ribSpacing / 2) * 0.4 + ribSpacing / 2
        for k in -1...1 {
            let x = offset + Double(k) * ribSpacing
            scene.paint(.blob(Blob(cx: x, cz: pleura - 3, a: rng.uniform(5, 7), b: rng.uniform(2.5, 3.5), rng: &rng)), .bone)
        }
        if features.needle { needle(&scene, tipX: rng.uniform(-10, 10), tipZ: pleura + (effusion ? 15 : 2), rng: &rng) }
        return scene
    }
}
