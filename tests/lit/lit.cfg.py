# lit configuration for tlc's golden tests.
import os
import lit.formats

config.name = "tlc"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".test", ".yaml", ".tlir"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py.in"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.tlc_bin_dir, "tests", "lit")
config.environment["PATH"] = os.pathsep.join(
    [config.tlc_bin_dir, config.llvm_tools_dir, config.environment.get("PATH", "")])
for var in ("TLC_VALIDATION", "TLC_DEVICE", "VK_ICD_FILENAMES", "VK_DRIVER_FILES", "HOME"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
config.substitutions.append(("%tlc", os.path.join(config.tlc_bin_dir, "tlc")))
config.substitutions.append(("%models", os.path.join(config.tlc_src_root, "models")))
config.substitutions.append(("%bad", os.path.join(config.tlc_src_root, "tests", "bad")))
config.substitutions.append(("%data", os.path.join(config.tlc_src_root, "tests", "data")))
# numpy-based references run with Debian's python3 (which has numpy).
config.substitutions.append(("%python", "/usr/bin/python3"))
