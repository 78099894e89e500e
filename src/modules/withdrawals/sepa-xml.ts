/**
 * SEPA credit transfer initiation, ISO 20022 pain.001.001.03 — the file a bank takes to pay many
 * beneficiaries at once. Names and texts are cut and transliterated to the SEPA character set
 * (Latin letters, digits, / - ? : ( ) . , ' + and space); amounts are written from integer cents.
 */
import { escapeHtml } from '../../http/html.js';
import { centsToDecimalString } from '../../lib/money.js';

export interface SepaDebtor {
  name: string;
  iban: string;
  bic: string | null;
}

export interface SepaTransfer {
  endToEndId: string;
  amountCents: number;
  creditorName: string;
  creditorIban: string;
  remittance: string;
}

/** Transliterates to the SEPA character set and cuts to `max` characters. */
export function sepaText(text: string, max: number): string {
  const latin = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ß/g, 'ss')
    .replace(/[æÆ]/g, (c) => (c === 'æ' ? 'ae' : 'AE'))
    .replace(/[œŒ]/g, (c) => (c === 'œ' ? 'oe' : 'OE'))
    .replace(/&/g, '+')
    .replace(/[^A-Za-z0-9/\-?:().,'+ ]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return (latin || 'NOTPROVIDED').slice(0, max).trim();
}


const xml = (text: string) => escapeHtml(text);

export function sepaCreditTransferXml(options: { messageId: string; createdAt: Date; executionDate: string; debtor: SepaDebtor; transfers: SepaTransfer[] }): string {
  const { messageId, createdAt, executionDate, debtor, transfers } = options;
  if (transfers.length === 0) throw new Error('a SEPA file needs at least one transfer');
  const total = centsToDecimalString(transfers.reduce((sum, t) => sum + t.amountCents, 0));
  const count = String(transfers.length);
  const debtorName = xml(sepaText(debtor.name, 70));
  const agent = debtor.bic
    ? `<FinInstnId><BIC>${xml(debtor.bic)}</BIC></FinInstnId>`
    : '<FinInstnId><Othr><Id>NOTPROVIDED</Id></Othr></FinInstnId>';
  const lines = transfers.map(
    (t) => `      <CdtTrfTxInf>
        <PmtId><EndToEndId>${xml(sepaText(t.endToEndId, 35))}</EndToEndId></PmtId>
        <Amt><InstdAmt Ccy="EUR">${centsToDecimalString(t.amountCents)}</InstdAmt></Amt>
        <Cdtr><Nm>${xml(sepaText(t.creditorName, 70))}</Nm></Cdtr>
        <CdtrAcct><Id><IBAN>${xml(t.creditorIban)}</IBAN></Id></CdtrAcct>
        <RmtInf><Ustrd>${xml(sepaText(t.remittance, 140))}</Ustrd></RmtInf>
      </CdtTrfTxInf>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>${xml(sepaText(messageId, 35))}</MsgId>
      <CreDtTm>${createdAt.toISOString().slice(0, 19)}</CreDtTm>
      <NbOfTxs>${count}</NbOfTxs>
      <CtrlSum>${total}</CtrlSum>
      <InitgPty><Nm>${debtorName}</Nm></InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>${xml(sepaText(messageId, 35))}</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <BtchBookg>true</BtchBookg>
      <NbOfTxs>${count}</NbOfTxs>
      <CtrlSum>${total}</CtrlSum>
      <PmtTpInf><SvcLvl><Cd>SEPA</Cd></SvcLvl></PmtTpInf>
      <ReqdExctnDt>${executionDate}</ReqdExctnDt>
      <Dbtr><Nm>${debtorName}</Nm></Dbtr>
      <DbtrAcct><Id><IBAN>${xml(debtor.iban)}</IBAN></Id></DbtrAcct>
      <DbtrAgt>${agent}</DbtrAgt>
      <ChrgBr>SLEV</ChrgBr>
${lines.join('\n')}
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
`;
}
