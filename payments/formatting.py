"""Amounts in đồng as people read them: "1.500.000 đ", and in words on the receipt."""

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
UNITS = ("", "nghìn", "triệu", "tỷ", "nghìn tỷ", "triệu tỷ")


def vnd(amount) -> str:
    """1500000 → "1.500.000 đ"."""
    if amount is None or amount == "":
        return ""
    return f"{int(amount):,}".replace(",", ".") + " đ"


def _three(n: int, leading: bool) -> list[str]:
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words = []
    if hundreds or not leading:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and (hundreds or not leading):
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words += [DIGITS[tens], "mươi"]
    if units:
        if units == 1 and tens >= 2:
            words.append("mốt")
        elif units == 5 and tens >= 1:
            words.append("lăm")
        else:
            words.append(DIGITS[units])
    return words


def amount_in_words(amount: int) -> str:
    """1500000 → "Một triệu năm trăm nghìn đồng"; 1000005 → "Một triệu không trăm linh năm đồng"."""
    amount = int(amount)
    if amount <= 0:
        return "Không đồng"
    groups = []
    while amount:
        groups.append(amount % 1000)
        amount //= 1000
    words: list[str] = []
    for i in reversed(range(len(groups))):
        if groups[i]:
            words += _three(groups[i], leading=i == len(groups) - 1)
            if UNITS[i]:
                words.append(UNITS[i])
    text = " ".join(words) + " đồng"
    return text[0].upper() + text[1:]
