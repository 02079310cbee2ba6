"""Write the demo documents of ``corpus/dokumen/`` (demonstration data written for this project).

    python scripts/make_demo_documents.py [OUT_DIR]

Makes, reproducibly (the same bytes every run): a two-column innovation profile (PDF, two pages, running
header and footer), a Bimtek report (DOCX, with a table and a signature date), the list of a kabupaten's
innovations (XLSX) and one scanned page (an image-only PDF). The kabupaten is real, the programmes, people and
figures are fictional; nothing is copied from any publication or from ../shared/data.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts.docmaker import Block, blocks_from_text, scan_pdf, write_docx, write_pdf, write_xlsx  # noqa: E402

PROFILE_TITLE = "Profil Inovasi Daerah: SI-TANI CERDAS Kabupaten Pringsewu"
PROFILE = [
    "Ringkasan",
    "SI-TANI CERDAS adalah layanan pendampingan petani berbasis pesan singkat dan kunjungan lapangan yang "
    "dikembangkan Dinas Pertanian Kabupaten Pringsewu sejak 2022. Petani mengirim foto tanaman dan pertanyaan "
    "melalui nomor layanan, lalu penyuluh menjawab paling lambat dua hari kerja dan menjadwalkan kunjungan "
    "bila diperlukan.",
    "Latar Belakang",
    "Jumlah penyuluh pertanian lapangan di Pringsewu tidak sebanding dengan jumlah kelompok tani yang tersebar "
    "di sembilan kecamatan. Sebelum inovasi ini berjalan, seorang penyuluh rata-rata membina lebih dari dua "
    "puluh kelompok tani sehingga keluhan serangan hama sering terlambat ditangani dan panen menurun.",
    "Permasalahan lain adalah pencatatan yang masih manual. Data luas tanam, serangan organisme pengganggu "
    "tumbuhan dan kebutuhan pupuk dicatat di buku masing-masing penyuluh sehingga sulit direkapitulasi oleh "
    "dinas ketika menyusun rencana kerja tahunan.",
    "Cara Kerja",
    "Setiap laporan petani diberi nomor tiket dan dicatat dalam lembar kerja bersama. Koordinator penyuluh "
    "membagi tiket menurut wilayah binaan, memantau tiket yang belum dijawab, dan menyusun rekapitulasi "
    "mingguan. Kunjungan lapangan diprioritaskan untuk laporan serangan hama yang meluas.",
    "Penyuluh juga mengirim pesan peringatan dini kepada kelompok tani ketika prakiraan cuaca menunjukkan "
    "curah hujan tinggi atau ketika serangan wereng terdeteksi di kecamatan tetangga. Pesan ditulis dalam "
    "bahasa sehari-hari agar mudah dipahami dan diteruskan oleh ketua kelompok.",
    "Hasil dan Manfaat",
    "Selama 2023 layanan menerima 2.146 laporan dari 318 kelompok tani. Waktu tanggap rata-rata turun dari "
    "sembilan hari menjadi dua hari, dan luas sawah yang puso akibat hama turun sekitar 40 persen dibanding "
    "tahun sebelumnya menurut catatan dinas.",
    "Rekapitulasi tiket kini dipakai sebagai dasar pengadaan pupuk dan pestisida nabati, sehingga bantuan "
    "lebih tepat sasaran. Pemerintah kabupaten merencanakan perluasan layanan untuk peternak dan "
    "pembudidaya ikan mulai tahun depan.",
    "Keberlanjutan",
    "Inovasi ini ditetapkan dengan Keputusan Bupati dan dianggarkan setiap tahun dalam rencana kerja Dinas "
    "Pertanian. Pelatihan bagi penyuluh baru dilakukan dua kali setahun bersama perguruan tinggi setempat.",
    "Pringsewu, 12 Februari 2024",
]

REPORT_TITLE = "Laporan Pelaksanaan Bimtek Penyusunan Proposal Inovasi Daerah Kabupaten Pringsewu 2025"
REPORT = [
    "Pendahuluan",
    "Bimbingan teknis penyusunan proposal inovasi daerah dilaksanakan oleh Badan Perencanaan Pembangunan "
    "Daerah Kabupaten Pringsewu pada 13 sampai 14 Mei 2025 di aula kantor bupati. Kegiatan diikuti 64 peserta "
    "dari perangkat daerah, kecamatan dan puskesmas.",
    "Materi",
    "Narasumber memaparkan cara merumuskan masalah, menetapkan indikator keberhasilan, dan menyiapkan bukti "
    "dukung berupa foto, video serta dokumen anggaran. Peserta berlatih menulis profil inovasi dengan format "
    "yang dipakai dalam penilaian indeks inovasi daerah.",
    "Hasil Kegiatan",
    "Pada akhir kegiatan terkumpul 27 rancangan proposal inovasi baru. Tim inovasi daerah akan mendampingi "
    "penyempurnaan rancangan hingga akhir Juni sebelum diunggah ke sistem informasi inovasi daerah.",
    "Rekomendasi",
    "Setiap perangkat daerah diminta menunjuk satu operator inovasi dan menyimpan bukti dukung secara tertib. "
    "Bappeda akan menggelar klinik proposal setiap bulan bagi perangkat daerah yang membutuhkan.",
    "Pringsewu, 16 Mei 2025",
]
REPORT_TABLE = [["Unsur", "Jumlah Peserta"], ["Perangkat daerah", "38"], ["Kecamatan", "9"], ["Puskesmas", "17"]]

LIST_ROWS = [
    ["No", "Nama Inovasi", "Perangkat Daerah", "Jenis", "Tahun Mulai", "Tahapan"],
    [1, "SI-TANI CERDAS", "Dinas Pertanian", "Pelayanan publik", 2022, "Penerapan"],
    [2, "Kelas Ibu Hamil Keliling", "Dinas Kesehatan", "Pelayanan publik", 2023, "Penerapan"],
    [3, "Pojok Baca Pekon", "Dinas Perpustakaan dan Kearsipan", "Pelayanan publik", 2023, "Uji coba"],
    [4, "Antar Akta ke Rumah", "Dinas Kependudukan dan Pencatatan Sipil", "Pelayanan publik", 2021, "Penerapan"],
    [5, "Dashboard Anggaran Pekon", "Dinas Pemberdayaan Masyarakat dan Pekon", "Tata kelola", 2024, "Uji coba"],
    [6, "Pasar Ikan Daring", "Dinas Perikanan", "Pelayanan publik", 2024, "Inisiatif"],
    [7, "Lapor Jalan Rusak", "Dinas Pekerjaan Umum dan Penataan Ruang", "Tata kelola", 2022, "Penerapan"],
    [8, "Sekolah Lapang Iklim", "Dinas Pertanian", "Pelayanan publik", 2024, "Uji coba"],
]

DECREE = [
    "KEPUTUSAN BUPATI PRINGSEWU TENTANG TIM INOVASI DAERAH TAHUN 2025",
    "Menimbang bahwa untuk mendorong penerapan inovasi daerah perlu dibentuk tim yang bertugas membina, "
    "mendampingi dan menilai inovasi perangkat daerah.",
    "Menetapkan pembentukan Tim Inovasi Daerah Kabupaten Pringsewu yang diketuai Sekretaris Daerah dengan "
    "Kepala Bappeda sebagai sekretaris dan kepala perangkat daerah terkait sebagai anggota.",
    "Tim bertugas menginventarisasi inovasi, mendampingi penyusunan proposal, dan melaporkan hasil penilaian "
    "kepada Bupati setiap semester.",
    "Ditetapkan di Pringsewu, 6 Januari 2025",
]


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_pdf(out / "profil-inovasi-si-tani-cerdas-pringsewu.pdf", blocks_from_text(PROFILE_TITLE, PROFILE),
              header="Profil Inovasi Daerah — Kabupaten Pringsewu", footer="Data demonstrasi Telusur",
              page_size=(420.0, 595.0), meta_title=PROFILE_TITLE)
    report = [Block("title", REPORT_TITLE)] + blocks_from_text("", REPORT)[1:]
    write_docx(out / "laporan-bimtek-proposal-inovasi-pringsewu-2025.docx", report, core_title=REPORT_TITLE,
               page_break_before={7}, table=REPORT_TABLE, table_after=2)
    write_xlsx(out / "daftar-inovasi-pringsewu-2024.xlsx", {"Inovasi 2024": LIST_ROWS},
               title="Daftar Inovasi Daerah Kabupaten Pringsewu 2024")
    source = out / "sk-tim-inovasi-pringsewu.tmp.pdf"
    write_pdf(source, [Block("heading", DECREE[0])] + [Block("para", p) for p in DECREE[1:]], columns=1,
              footer="Salinan sesuai aslinya", page_size=(420.0, 595.0))
    scan_pdf(source, out / "sk-tim-inovasi-pringsewu-pindaian.pdf", dpi=200, skew=0.4, noise=0.004)
    source.unlink()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "corpus" / "dokumen")
