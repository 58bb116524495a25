import Foundation
import Testing
import _StereoTestSupport

/// `benchmarks/balanced_judge.py` (pvb and pvi) on a judge directory worked by hand.
///
/// pv3 holds `sequence2_000000` (10 bad of 100 scored pixels), `delivery_area_1l` (5 of 100),
/// `Adirondack` (30 of 300) and `oakd-desk` (2 of 50); pvh holds `sequence1_000000` (30 of 100)
/// and `oakd-cycles` (8 of 50). pvh's scores also name `oakd-stale` (100 of 100), whose folder
/// the judges no longer hold (as Teddy's, session 67), so it must not count. By hand: driving 40/200 = 20%, ETH3D 5%,
/// Middlebury 30/300 = 10%, OAK-D 10/100 = 10%, pvb (20 + 5 + 10 + 10)/4 = 11.25. A checkpoint
/// whose run held out `sequence1`, `Adirondack` and `oakd-cycles`, with the groups Middlebury
/// and OAK-D: 10% and 8/50 = 16%, pvi 13. Runs in Debian's `/usr/bin/python3`.
@Suite("The source-balanced judge")
struct BalancedJudgeScriptTests {
  static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("benchmarks/balanced_judge.py")

  static let check = """
    import json, os, struct, subprocess, sys, tempfile
    script = sys.argv[1]
    pairs = {"pv3": {"sequence2_000000": (10, 100), "delivery_area_1l": (5, 100),
                     "Adirondack": (30, 300), "oakd-desk": (2, 50)},
             "pvh": {"sequence1_000000": (30, 100), "oakd-cycles": (8, 50)}}
    with tempfile.TemporaryDirectory() as root:
        judges, data = os.path.join(root, "judges"), os.path.join(root, "data")
        os.makedirs(os.path.join(judges, "scores"))
        os.makedirs(os.path.join(data, "eth3d-two-view", "delivery_area_1l"))
        os.makedirs(os.path.join(data, "middlebury-2014-quarter", "Adirondack"))
        for judge, named in pairs.items():
            listed = dict(named)
            if judge == "pvh":
                listed["oakd-stale"] = (100, 100)
            for name in named:
                os.makedirs(os.path.join(judges, judge, name))
            result = {"pairs": [{"identifier": n, "all": {"bad3Pixels": b, "evaluatedPixels": t}}
                                for n, (b, t) in listed.items()]}
            with open(os.path.join(judges, "scores", "a.%s.json" % judge), "w") as f:
                json.dump(result, f)
        split = {"validationSources": ["kitti-odometry-sample/sequence1",
                                       "middlebury-2014-quarter/Adirondack",
                                       "real-unlabelled/oakd-cycles"]}
        notes = json.dumps({"training": {"data": {"split": split}}})
        header = json.dumps({"__metadata__": {"wnet": notes}}).encode()
        checkpoint = os.path.join(root, "member.safetensors")
        with open(checkpoint, "wb") as f:
            f.write(struct.pack("<Q", len(header)) + header)
        common = [sys.executable, script, "--judges", judges, "--data", data, "a"]
        for extra in ([], ["--held-out-of", checkpoint, "--groups", "middlebury,oak-d"]):
            out = subprocess.run(common + extra, capture_output=True, text=True, check=True)
            print(";".join(line.split(" | ")[0] + "=" + line.split(" | ")[2]
                           for line in out.stdout.splitlines()[1:]))
    """

  @Test(
    "pvb and pvi match the judges worked by hand, without the scene the judges dropped",
    .enabled(
      if: FileManager.default.isExecutableFile(atPath: DebianPython.path),
      "/usr/bin/python3 not found; the check is skipped"))
  func handWorkedJudges() throws {
    let output = String(
      decoding: try PythonInterpreter.runScript(
        Self.check, command: [DebianPython.path], arguments: [Self.script.path]),
      as: UTF8.self
    ).split(separator: "\n").map(String.init)
    let pvb = [("driving", 20.0), ("eth3d", 5), ("middlebury", 10), ("oak-d", 10), ("mean", 11.25)]
    let pvi = [("middlebury", 10.0), ("oak-d", 16), ("mean", 13)]
    func line(_ rows: [(String, Double)]) -> String {
      rows.map { "\($0.0)=" + String(format: "%.4f", $0.1) }.joined(separator: ";")
    }
    #expect(output == [line(pvb), line(pvi)])
  }
}
