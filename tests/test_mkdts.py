"""Unit tests for sbi/mkdts.py, the device-tree generator (run by `make test`).

The compiled trees themselves are checked by tests/test_magma_tree.c; these
tests pin down the generator's rules: where QEMU puts the tree, how regions
are split for PMP, which permission encoding each OpenSBI version gets, what
each domain's allow-list holds (fw_cfg denied, no tree slot for the guard),
the PMP budget, and that a QEMU tree lacking something is refused with a
clear error.
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

	fw-cfg@10100000 {
		reg = <0x00 0x10100000 0x00 0x18>;
		compatible = "qemu,fw-cfg-mmio";
	};

	memory@80000000 {
		device_type = "memory";
		reg = <%(memory)s>;
	};

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
%(virtio)s
		clint@2000000 {
			reg = <0x00 0x2000000 0x00 0x10000>;
			compatible = "sifive,clint0\\0riscv,clint0";
		};
%(irqchip)s
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

VIRTIO = """
		virtio_mmio@%(base)x {
			reg = <0x00 0x%(base)x 0x00 0x1000>;
			compatible = "virtio,mmio";
		};"""

# QEMU virt's AIA: M- and S-level IMSICs, the M-level APLIC delegating to the S-level one.
AIA = """
		imsics@24000000 {
			phandle = <0x40>;
			reg = <0x00 0x24000000 0x00 0x%(size)x>;
			interrupts-extended = <%(m_pairs)s>;
			compatible = "riscv,imsics";
		};
		imsics@28000000 {
			phandle = <0x41>;
			reg = <0x00 0x28000000 0x00 0x%(size)x>;
			interrupts-extended = <%(s_pairs)s>;
			compatible = "riscv,imsics";
		};
		aplic@c000000 {
			msi-parent = <0x40>;
			reg = <0x00 0xc000000 0x00 0x8000>;
			compatible = "riscv,aplic";
		};
		aplic@d000000 {
			msi-parent = <0x41>;
			reg = <0x00 0xd000000 0x00 0x8000>;
			compatible = "riscv,aplic";
		};"""

PLIC = """
		plic@c000000 {
			reg = <0x00 0xc000000 0x00 0x600000>;
			compatible = "sifive,plic-1.0.0\\0riscv,plic0";
		};"""


def mini_tree(cpus, imsic=True, uart=True, mem=128 << 20, virtio_slots=8, virtio_stride=0x1000,
              fw_cfg=True):
    """A tree shaped like QEMU virt's dump, with only what mkdts.py reads."""
    cpu_text = "".join(CPU % {"id": i, "ph": 0x10 + i} for i in range(cpus))
    pairs = lambda irq: " ".join(f"0x{0x10 + i:02x} 0x{irq:02x}" for i in range(cpus))
    irqchip = AIA % {"size": cpus * 0x1000, "m_pairs": pairs(11), "s_pairs": pairs(9)} \
        if imsic else PLIC
    virtio = "".join(VIRTIO % {"base": 0x10001000 + virtio_stride * i}
                     for i in range(virtio_slots))
    text = MINI_QEMU_DTS % {"cpus": cpu_text, "irqchip": irqchip, "virtio": virtio,
                            "memory": f"0x00 0x80000000 {mkdts.cells2(mem)}"}
    if not uart:
        text = text.replace('"ns16550a"', '"something-else"')
    if not fw_cfg:
        text = text.replace('"qemu,fw-cfg-mmio"', '"something-else"')
    return text


def generate(cpus=4, mem="128M", fw="1.1", weaken_lock=False, **tree_args):
    size = mkdts.parse_size(mem)
    return mkdts.build(mini_tree(cpus, mem=size, **tree_args), TEMPLATE, LAYOUT, cpus, size, fw,
                       0x4000, weaken_lock)


def regions(text, domain):
    """[(label, permission)] of a domain in generated text."""
    body = re.search(rf"{domain} {{.*?regions = (.*?);", text, re.S).group(1)
    return [(label, int(perm, 16)) for label, perm in re.findall(r"<&(\w+) (0x[0-9a-f]+)>", body)]


def region_nodes(text):
    """{label: (base, order, mmio)} of the generated memregion nodes."""
    found = {}
    for label, body in re.findall(r"(\w+): [\w-]+ \{\n(.*?)\};", text, re.S):
        if "opensbi,domain,memregion" in body:
            hi, lo = re.search(r"base = <(0x[0-9a-f]+) (0x[0-9a-f]+)>", body).groups()
            order = int(re.search(r"order = <(\d+)>", body).group(1))
            found[label] = ((int(hi, 16) << 32) | int(lo, 16), order, "mmio;" in body)
    return found


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
        # Both: the cold-boot winner fixes up the tree at its own domain's next-arg1.
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
        self.assertIn("<&magma_kernel_ram0 0x38>", text)

    def test_kernel_root_is_read_only_unless_weakened(self):
        self.assertIn(("magma_root", 0x1), regions(generate(), "kernel-domain"))
        # RW, not RWX: a region inside RAM with RAM's own flags is a conflict to OpenSBI.
        weak = regions(generate(weaken_lock=True), "kernel-domain")
        self.assertIn(("magma_root", 0x3), weak)
        self.assertEqual(len(weak), len(regions(generate(), "kernel-domain")))


class AllowList(unittest.TestCase):
    def kernel_grants(self, text):
        """(base, order, mmio) of every kernel region that grants any permission."""
        nodes = region_nodes(text)
        return sorted(nodes[label] for label, perm in regions(text, "kernel-domain") if perm)

    def test_kernel_gets_ram_and_the_devices_it_drives(self):
        self.assertEqual(self.kernel_grants(generate()), [
            (0xd000000, 15, True),  # the S-level APLIC
            (0x10000000, 15, True),  # the UART (a page) and virtio-mmio slots 1-7
            (0x10008000, 12, True),  # virtio-mmio slot 8
            (0x28000000, 14, True),  # every hart's S-file: the guard's is its doorbell
            (0x80000000, 27, False),  # RAM
            (0x80100000, 16, False),  # the root range, read only
        ])

    def test_plic_machine_gives_the_kernel_the_plic(self):
        grants = self.kernel_grants(generate(imsic=False))
        self.assertIn((0xc000000, 22, True), grants)  # 6 MiB: two NAPOT blocks
        self.assertIn((0xc400000, 21, True), grants)
        self.assertNotIn(0xd000000, [base for base, _, _ in grants])

    def test_ram_is_split_into_napot_blocks(self):
        text = generate(mem="4G")
        ram = [region_nodes(text)[label] for label, _ in regions(text, "kernel-domain")
               if label.startswith("magma_kernel_ram")]
        self.assertEqual(ram, [(0x80000000, 31, False), (0x100000000, 31, False)])

    def test_no_region_covers_all_memory(self):
        for text in (generate(), generate(imsic=False), generate(mem="4G")):
            orders = [order for _, order, _ in region_nodes(text).values()]
            self.assertLess(max(orders), 32)

    def test_guard_ranges_win_inside_ram(self):
        kernel = dict(regions(generate(), "kernel-domain"))
        self.assertEqual(kernel["magma_guard_private"], 0)
        self.assertEqual(kernel["magma_root"], 1)
        self.assertNotIn("magma_mailbox", kernel)  # plain RAM to the kernel

    def test_fw_cfg_is_listed_denied(self):
        text = generate()
        self.assertIn(("magma_fw_cfg0", 0), regions(text, "kernel-domain"))
        self.assertEqual(region_nodes(text)["magma_fw_cfg0"], (0x10100000, 12, True))
        self.assertNotIn("magma_fw_cfg0", dict(regions(text, "guard-domain")))

    def test_without_fw_cfg_there_is_no_fw_cfg_region(self):
        self.assertNotIn("magma_fw_cfg0", generate(fw_cfg=False))

    def test_guard_has_no_tree_slot(self):
        text = generate()
        guard = [label for label, _ in regions(text, "guard-domain")]
        self.assertEqual(guard, ["magma_guard_private", "magma_root", "magma_mailbox",
                                 "magma_uart0", "magma_imsic_s_pages0", "magma_imsic_s_pages1"])
        tree = mkdts.fdt_address(128 << 20, 0x4000)
        nodes = region_nodes(text)
        for label in guard:
            base, order, _ = nodes[label]
            self.assertFalse(base <= tree < base + (1 << order), f"{label} holds the tree")
        self.assertNotIn("device-tree", text)


class PmpBudget(unittest.TestCase):
    def test_firmware_regions_of_virt(self):
        aia = mkdts.firmware_regions(mkdts.parse_dts(mini_tree(4)), LAYOUT)
        self.assertEqual([what for what, _, _ in aia],
                         ["OpenSBI firmware", "CLINT", "M-level IMSIC", "M-level APLIC"])
        self.assertIn(("M-level IMSIC", 0x24000000, 14), aia)
        plic = mkdts.firmware_regions(mkdts.parse_dts(mini_tree(4, imsic=False)), LAYOUT)
        self.assertEqual(plic, [("OpenSBI firmware", 0x80000000, 19), ("CLINT", 0x2000000, 16)])

    def test_budget_is_written_into_the_tree(self):
        self.assertIn("PMP entries: kernel-domain 12 of 16, guard-domain 10 of 16", generate())
        self.assertIn("PMP entries: kernel-domain 10 of 16, guard-domain 6 of 16",
                      generate(imsic=False))

    def test_refuses_a_domain_over_budget(self):
        # Virtio slots with gaps between them cannot merge: one PMP entry each.
        self.assertIn("kernel-domain 16 of 16", generate(virtio_stride=0x2000, virtio_slots=6))
        with self.assertRaisesRegex(mkdts.TreeError,
                                    r"kernel-domain needs 17 PMP entries \(13 regions of its own "
                                    r"and 4 OpenSBI adds: .*\) but QEMU virt has 16"):
            generate(virtio_stride=0x2000, virtio_slots=7)

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
