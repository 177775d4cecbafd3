"""Unit tests for sbi/mkdts.py, the device-tree generator (run by `make test`).

The compiled trees themselves are checked by tests/test_magma_tree.c; these
tests pin down the generator's rules: where QEMU puts the tree, how regions
are split for PMP, which permission encoding each OpenSBI version gets, and
that a QEMU tree lacking something is refused with a clear error.
"""
import pathlib
import re
import sys
import unittest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "sbi"))
import mkdts  # noqa: E402

LAYOUT = mkdts.read_layout(ROOT / "include" / "layout.h")
TEMPLATE = (ROOT / "sbi" / "magma-domains.dtsi.in").read_text()

MINI_QEMU_DTS = """/dts-v1/;

/ {
	#address-cells = <0x02>;
	#size-cells = <0x02>;

	cpus {
		#address-cells = <0x01>;
		#size-cells = <0x00>;
%(cpus)s
	};

	soc {
		serial@10000000 {
			reg = <0x00 0x10000000 0x00 0x100>;
			compatible = "ns16550a";
		};
%(imsic)s
	};
};
"""

CPU = """
		cpu@%(id)d {
			device_type = "cpu";
			reg = <0x%(id)02x>;
			interrupt-controller {
				phandle = <0x%(ph)02x>;
			};
		};"""


def mini_tree(cpus, imsic=True, uart=True):
    cpu_text = "".join(CPU % {"id": i, "ph": 0x10 + i} for i in range(cpus))
    imsic_text = ""
    if imsic:
        pairs = " ".join(f"0x{0x10 + i:02x} 0x09" for i in range(cpus))
        imsic_text = f"""
		imsics@28000000 {{
			reg = <0x00 0x28000000 0x00 0x{cpus * 0x1000:x}>;
			interrupts-extended = <{pairs}>;
			compatible = "riscv,imsics";
		}};"""
    text = MINI_QEMU_DTS % {"cpus": cpu_text, "imsic": imsic_text}
    if not uart:
        text = text.replace('"ns16550a"', '"something-else"')
    return text


def generate(cpus=4, mem="128M", fw="1.1", **tree_args):
    return mkdts.build(mini_tree(cpus, **tree_args), TEMPLATE, LAYOUT, cpus,
                       mkdts.parse_size(mem), fw, 0x4000)


class Placement(unittest.TestCase):
    def test_fdt_at_top_of_ram_aligned_to_2m(self):
        self.assertEqual(mkdts.fdt_address(128 << 20, 0x2000), 0x87E00000)
        self.assertEqual(mkdts.fdt_address(256 << 20, 0x2000), 0x8FE00000)

    def test_fdt_capped_at_3g(self):
        self.assertEqual(mkdts.fdt_address(4 << 30, 0x2000), 0xBFE00000)
        self.assertEqual(mkdts.fdt_address(1 << 30, 0x2000), 0xBFE00000)

    def test_large_tree_moves_down_a_slot(self):
        self.assertEqual(mkdts.fdt_address(128 << 20, (2 << 20) - 100), 0x87C00000)

    def test_parse_size(self):
        self.assertEqual(mkdts.parse_size("128M"), 128 << 20)
        self.assertEqual(mkdts.parse_size("4G"), 4 << 30)
        self.assertEqual(mkdts.parse_size("512"), 512 << 20)
        with self.assertRaises(ValueError):
            mkdts.parse_size("lots")


class Regions(unittest.TestCase):
    def test_napot_blocks_cover_exactly(self):
        for base, size in [(0x28000000, 0x3000), (0x28000000, 0x7000), (0x28001000, 0x1000),
                           (0x28000000, 0x8000)]:
            blocks = mkdts.napot_blocks(base, size)
            self.assertEqual(sum(1 << o for _, o in blocks), size)
            end = base
            for block_base, order in blocks:
                self.assertEqual(block_base, end)
                self.assertEqual(block_base % (1 << order), 0)
                end += 1 << order

    def test_three_pages_are_two_blocks(self):
        self.assertEqual(mkdts.napot_blocks(0x28000000, 0x3000),
                         [(0x28000000, 13), (0x28002000, 12)])

    def test_permission_encoding_by_version(self):
        old, _ = mkdts.permission_bits("1.1")
        self.assertEqual((old["R"], old["RW"], old["RWX"]), (1, 3, 7))
        self.assertEqual(mkdts.permission_bits("1.2")[0], old)
        new, _ = mkdts.permission_bits("1.3")
        self.assertEqual((new["R"], new["RW"], new["RWX"]), (0x8, 0x18, 0x38))
        self.assertEqual(mkdts.permission_bits("2.0")[0], new)
        self.assertEqual(old["NONE"], 0)
        self.assertEqual(new["NONE"], 0)


class Generation(unittest.TestCase):
    def test_domains_and_cpus(self):
        text = generate(cpus=4)
        self.assertIn("possible-harts = <&{/cpus/cpu@0} &{/cpus/cpu@1} &{/cpus/cpu@2}>;", text)
        self.assertIn("possible-harts = <&{/cpus/cpu@3}>;", text)
        self.assertEqual(text.count("opensbi-domain = <&magma_kernel_domain>;"), 3)
        self.assertEqual(text.count("opensbi-domain = <&magma_guard_domain>;"), 1)
        self.assertEqual(text.count("next-arg1 = <0x0 0x87e00000>;"), 2)
        self.assertIsNone(re.search(r"@[A-Z_]+@", text), "a placeholder was left unfilled")

    def test_two_cpus(self):
        text = generate(cpus=2)
        self.assertIn("possible-harts = <&{/cpus/cpu@0}>;", text)
        self.assertIn("possible-harts = <&{/cpus/cpu@1}>;", text)
        self.assertEqual(text.count("imsic-s-pages-"), 1)

    def test_plic_machine_has_no_imsic_regions(self):
        self.assertNotIn("imsic-s-pages", generate(cpus=4, imsic=False))

    def test_new_firmware_encoding_is_used(self):
        text = generate(fw="1.3")
        self.assertIn("<&magma_root 0x8>", text)
        self.assertIn("<&magma_all_memory 0x38>", text)

    def test_kernel_root_is_read_only_unless_weakened(self):
        self.assertIn("<&magma_root 0x1>", generate())
        weak = mkdts.build(mini_tree(4), TEMPLATE, LAYOUT, 4, 128 << 20, "1.1", 0x4000,
                           weaken_lock=True)
        self.assertIn("<&magma_root 0x7>,\n\t\t\t\t\t  <&magma_all_memory", weak)

    def test_refuses_one_cpu(self):
        with self.assertRaisesRegex(mkdts.TreeError, "CPUS >= 2"):
            generate(cpus=1)

    def test_refuses_tree_without_uart(self):
        with self.assertRaisesRegex(mkdts.TreeError, "UART"):
            generate(uart=False)

    def test_refuses_missing_cpu_node(self):
        with self.assertRaisesRegex(mkdts.TreeError, r"hart\(s\) \[3\]"):
            mkdts.build(mini_tree(3), TEMPLATE, LAYOUT, 4, 128 << 20, "1.1", 0x4000)

    def test_refuses_unknown_placeholder(self):
        with self.assertRaisesRegex(mkdts.TreeError, "@NOPE@"):
            mkdts.build(mini_tree(4), TEMPLATE + "@NOPE@", LAYOUT, 4, 128 << 20, "1.1", 0x4000)


if __name__ == "__main__":
    unittest.main()
