// Records, on the invoices BC creates to bill an order again, which order that is. Both are Sales Headers of type
// Invoice whose copied lines name no shipment (Copy Document Mgt. clears Shipment No.), so Sales-Post posts them with a
// blank Order No. and API v2.0's salesInvoices.orderNumber is blank on them:
// - the Correct action on a posted invoice (codeunit 1303 "Correct Posted Sales Invoice" posts a corrective credit memo
//   and copies the invoice into a new invoice; its OnAfterCreateCopyDocument is raised for both copies);
// - cancelling a corrective credit memo (codeunit 1339 "Cancel Posted Sales Cr. Memo" copies the credit memo into an
//   invoice and posts it; the credit memo's Applies-to Doc. No. is the invoice it cancelled).
// For an invoice of several orders the header names none: each copied line is stamped with the order its posted line
// billed (field 50105 on the Sales Line, carried by posting to the Sales Invoice Line or the Sales Cr.Memo Line):
// - a posted invoice line copied into a credit memo or a return order, always: the order it credits, and the invoice
//   (field 50106; a credit memo made with Get Posted Document Lines to Reverse is applied to no invoice) (Cancel and
//   Correct, codeunit 1303; Copy Document; Get Posted Document Lines to Reverse. Copy Document Mgt. raises
//   OnAfterCopySalesLineFromSalesLineBuffer after inserting each copied line, with the posted invoice line it came
//   from);
// - a posted invoice line copied into an invoice, only while codeunit 1303 copies that invoice into the new one (a
//   user's own copy of an invoice is a new sale, not a re-billing);
// - while codeunit 1339 copies a credit memo into the corrective invoice that cancels it (Copy Document Mgt. raises
//   OnAfterCopySalesLineFromSalesCrMemoLineBuffer, with the posted credit memo line it came from).
codeunit 50105 "LSYNC Re-billed Order"
{
    SingleInstance = true;

    var
        // The posted invoice codeunit 1303 is copying into a new invoice, between its header insert and its copy's end.
        CorrectedInvoiceNo: Code[20];
        // The posted credit memo codeunit 1339 is copying into a corrective invoice, likewise.
        CancelledCrMemoNo: Code[20];

    [EventSubscriber(ObjectType::Codeunit, Codeunit::"Correct Posted Sales Invoice", 'OnBeforeSalesHeaderInsert', '', false, false)]
    local procedure OnBeforeCorrectionHeaderInsert(var SalesHeader: Record "Sales Header"; var SalesInvoiceHeader: Record "Sales Invoice Header")
    begin
        CorrectedInvoiceNo := '';
        if SalesHeader."Document Type" = SalesHeader."Document Type"::Invoice then
            CorrectedInvoiceNo := SalesInvoiceHeader."No.";
    end;

    [EventSubscriber(ObjectType::Codeunit, Codeunit::"Copy Document Mgt.", 'OnAfterCopySalesLineFromSalesLineBuffer', '', false, false)]
    local procedure OnCopyInvoiceLine(var ToSalesLine: Record "Sales Line"; FromSalesInvLine: Record "Sales Invoice Line")
    var
        OrderNo: Code[20];
        Credits: Boolean;
    begin
        Credits := ToSalesLine."Document Type" in [ToSalesLine."Document Type"::"Credit Memo", ToSalesLine."Document Type"::"Return Order"];
        if not Credits then
            if (CorrectedInvoiceNo = '') or (FromSalesInvLine."Document No." <> CorrectedInvoiceNo) then
                exit;
        OrderNo := FromSalesInvLine."Order No.";
        if OrderNo = '' then
            OrderNo := FromSalesInvLine."LSYNC Source Order No.";
        if OrderNo = '' then
            exit;
        ToSalesLine."LSYNC Source Order No." := OrderNo;
        // A credit memo line also names the invoice it credits: the credit memo may be applied to none.
        if Credits then
            ToSalesLine."LSYNC Source Invoice No." := FromSalesInvLine."Document No.";
        ToSalesLine.Modify();
    end;

    [EventSubscriber(ObjectType::Codeunit, Codeunit::"Cancel Posted Sales Cr. Memo", 'OnCreateCopyDocumentOnBeforeSalesHeaderInsert', '', false, false)]
    local procedure OnBeforeCancellationHeaderInsert(var SalesHeader: Record "Sales Header"; var SalesCrMemoHeader: Record "Sales Cr.Memo Header")
    begin
        CancelledCrMemoNo := SalesCrMemoHeader."No.";
    end;

    [EventSubscriber(ObjectType::Codeunit, Codeunit::"Copy Document Mgt.", 'OnAfterCopySalesLineFromSalesCrMemoLineBuffer', '', false, false)]
    local procedure OnCopyCrMemoLine(var ToSalesLine: Record "Sales Line"; FromSalesCrMemoLine: Record "Sales Cr.Memo Line")
    begin
        if (CancelledCrMemoNo = '') or (FromSalesCrMemoLine."Document No." <> CancelledCrMemoNo) then
            exit;
        if FromSalesCrMemoLine."LSYNC Source Order No." = '' then
            exit;
        ToSalesLine."LSYNC Source Order No." := FromSalesCrMemoLine."LSYNC Source Order No.";
        ToSalesLine.Modify();
    end;

    [EventSubscriber(ObjectType::Codeunit, Codeunit::"Correct Posted Sales Invoice", 'OnAfterCreateCopyDocument', '', false, false)]
    local procedure OnCorrectInvoice(var SalesHeader: Record "Sales Header"; var SalesInvoiceHeader: Record "Sales Invoice Header")
    begin
        CorrectedInvoiceNo := '';
        if SalesHeader."Document Type" <> SalesHeader."Document Type"::Invoice then
            exit;
        Stamp(SalesHeader, BilledOrder(SalesInvoiceHeader));
    end;

    [EventSubscriber(ObjectType::Codeunit, Codeunit::"Cancel Posted Sales Cr. Memo", 'OnAfterCreateCopyDocument', '', false, false)]
    local procedure OnCancelCreditMemo(var SalesCrMemoHeader: Record "Sales Cr.Memo Header"; var SalesHeader: Record "Sales Header")
    var
        SalesInvoiceHeader: Record "Sales Invoice Header";
    begin
        CancelledCrMemoNo := '';
        if SalesCrMemoHeader."Applies-to Doc. Type" <> SalesCrMemoHeader."Applies-to Doc. Type"::Invoice then
            exit;
        if not SalesInvoiceHeader.Get(SalesCrMemoHeader."Applies-to Doc. No.") then
            exit;
        Stamp(SalesHeader, BilledOrder(SalesInvoiceHeader));
    end;

    // The order a posted invoice bills: its own Order No., else the one recorded when it was itself a re-billing.
    local procedure BilledOrder(SalesInvoiceHeader: Record "Sales Invoice Header"): Code[20]
    begin
        if SalesInvoiceHeader."Order No." <> '' then
            exit(SalesInvoiceHeader."Order No.");
        exit(SalesInvoiceHeader."LSYNC Source Order No.");
    end;

    local procedure Stamp(var SalesHeader: Record "Sales Header"; OrderNo: Code[20])
    begin
        if OrderNo = '' then
            exit;
        SalesHeader."LSYNC Source Order No." := OrderNo;
        SalesHeader.Modify();
    end;
}
